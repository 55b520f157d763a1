"""Read side of memberships: what a member's page shows."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from core.members.models import Member
from core.memberships.models import Membership, MembershipFreeze


@dataclass
class MembershipSnapshot:
    status: str
    status_label: str
    membership: Membership | None = None
    plan_name: str = ""
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    renewal_date: datetime.date | None = None
    days_left: int | None = None
    perks: str = ""
    facilities: list[str] = field(default_factory=list)
    freeze: MembershipFreeze | None = None
    next_membership: Membership | None = None

    @property
    def is_frozen(self) -> bool:
        return self.freeze is not None


def membership_snapshot(*, member: Member, today: datetime.date | None = None) -> MembershipSnapshot:
    """Plan, status, dates, days left, perks and facilities (the entitlements)."""
    today = today or timezone.localdate()
    terms = list(
        Membership.objects.filter(member=member, status=Membership.Status.ACTIVE, ends_on__gte=today)
        .select_related("plan")
        .prefetch_related("plan__facilities", "freezes")
        .order_by("starts_on")
    )
    current = next((m for m in terms if m.starts_on <= today), None)
    upcoming = next((m for m in terms if m.starts_on > today), None)
    snapshot = MembershipSnapshot(status=member.status, status_label=member.get_status_display())
    shown = current or upcoming
    if shown is None:
        return snapshot
    snapshot.membership = shown
    snapshot.plan_name = shown.plan.name
    snapshot.starts_on = shown.starts_on
    snapshot.ends_on = shown.ends_on
    snapshot.renewal_date = shown.ends_on + datetime.timedelta(days=1)
    snapshot.days_left = (shown.ends_on - today).days + 1 if current else None
    snapshot.perks = shown.plan.perks
    snapshot.facilities = [f.name for f in shown.plan.facilities.all()]
    snapshot.freeze = next((f for f in shown.freezes.all() if f.starts_on <= today <= f.ends_on), None)
    snapshot.next_membership = upcoming if current else None
    return snapshot


def membership_on(*, member: Member, on: datetime.date) -> Membership | None:
    """The active membership that covers ``on``, else the member's latest one."""
    terms = Membership.objects.filter(member=member, status=Membership.Status.ACTIVE).select_related("plan")
    return terms.filter(starts_on__lte=on, ends_on__gte=on).first() or terms.order_by("-ends_on").first()


def members_with_current_membership(queryset: QuerySet) -> QuerySet:
    """Annotate members with their latest (not cancelled) membership's plan and
    end date, as subqueries: a list page stays at a fixed number of queries."""
    latest = Membership.objects.filter(member=OuterRef("pk"), status=Membership.Status.ACTIVE).order_by(
        "-ends_on", "-pk"
    )
    return queryset.annotate(
        current_plan_id=Subquery(latest.values("plan_id")[:1]),
        current_plan_name=Subquery(latest.values("plan__name")[:1]),
        current_ends_on=Subquery(latest.values("ends_on")[:1]),
    )


def plans_with_member_counts(queryset: QuerySet, *, today: datetime.date | None = None) -> QuerySet:
    """Annotate plans with ``member_count``: members (not deleted) whose
    membership of the plan covers today."""
    today = today or timezone.localdate()
    on_plan = Q(
        memberships__status=Membership.Status.ACTIVE,
        memberships__starts_on__lte=today,
        memberships__ends_on__gte=today,
        memberships__member__deleted_at__isnull=True,
    )
    return queryset.annotate(member_count=Count("memberships__member", filter=on_plan, distinct=True))
