"""Read side of clients and programs: a trainer's clients (one query for the
list), one client looked up only among the trainer's own, and a member's
current programs."""

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet

from core.accounts.models import User
from core.members.models import HealthFlag, Member
from core.memberships.selectors import members_with_current_membership
from core.programs.models import DietPlan, WorkoutProgram


def trainer_clients(*, user: User) -> QuerySet:
    """Members assigned to ``user`` (not deleted), with ``current_plan_name``,
    ``current_ends_on``, ``last_check_in`` (the member's last allowed visit), ``has_workout``,
    ``has_diet`` and their active health flags; a fixed number of queries."""
    members = Member.objects.filter(assigned_trainer=user).select_related("user")
    members = members_with_current_membership(members).annotate(
        has_workout=Exists(WorkoutProgram.objects.filter(member=OuterRef("pk"))),
        has_diet=Exists(DietPlan.objects.filter(member=OuterRef("pk"))),
        last_check_in=F("last_visit_at"),
    )
    flags = Prefetch("health_flags", queryset=HealthFlag.objects.filter(is_active=True).order_by("name"))
    return members.prefetch_related(flags).order_by("user__first_name", "user__last_name", "code")


def client_of(*, user: User, code: str) -> Member | None:
    """The member with ``code`` only if ``user`` is their trainer; None otherwise (the page is a 404)."""
    return trainer_clients(user=user).filter(code=code).first()


def programs_of(*, member: Member) -> tuple[WorkoutProgram | None, DietPlan | None]:
    workout = WorkoutProgram.objects.filter(member=member).select_related("trainer", "updated_by").first()
    diet = DietPlan.objects.filter(member=member).select_related("trainer", "updated_by").first()
    return workout, diet


def program_history(program: WorkoutProgram | DietPlan, *, limit: int = 10) -> list:
    """The latest saves of a program (who and when), newest first."""
    return list(program.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit])
