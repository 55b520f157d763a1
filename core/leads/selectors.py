"""Reading leads: possible duplicates (for staff only: the applicant is never
told whether someone is a member) and counts for the inbox badge."""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from core.accounts.models import User
from core.leads.models import Lead
from core.members.models import Member


@dataclass
class LeadDuplicates:
    members: list[Member] = field(default_factory=list)
    leads: list[Lead] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.members or self.leads)


def lead_duplicates(*, lead: Lead) -> LeadDuplicates:
    """Members (deleted ones too: a former member is worth knowing about) and
    other open leads with the same email or phone."""
    members = (
        Member.all_objects.filter(Q(user__email__iexact=lead.email) | Q(phone=lead.phone))
        .exclude(pk=lead.member_id or 0)
        .select_related("user")
        .order_by("code")
    )
    leads = (
        Lead.objects.filter(status__in=Lead.OPEN_STATUSES)
        .filter(Q(email__iexact=lead.email) | Q(phone=lead.phone))
        .exclude(pk=lead.pk)
        .order_by("-created_at")
    )
    return LeadDuplicates(members=list(members[:10]), leads=list(leads[:10]))


def leads_with_duplicate_flags(queryset: QuerySet[Lead]) -> QuerySet[Lead]:
    """Annotate ``member_match`` and ``lead_match`` (booleans) in the same
    query, so the inbox flags duplicates without a query per row."""
    # Two EXISTS rather than one with OR: each then uses an index (lower(email)
    # on users, phone on members); the OR across the join scanned every member
    # for every row, 11 s a page at 50,000 members (bench/, issue 11).
    by_email = Member.all_objects.annotate(login=Lower("user__email")).filter(login=Lower(OuterRef("email")))
    by_phone = Member.all_objects.filter(phone=OuterRef("phone"))
    leads = (
        Lead.objects.filter(status__in=Lead.OPEN_STATUSES)
        .filter(Q(email__iexact=OuterRef("email")) | Q(phone=OuterRef("phone")))
        .exclude(pk=OuterRef("pk"))
    )
    return queryset.annotate(member_match=Exists(by_email) | Exists(by_phone), lead_match=Exists(leads))


def account_for_email(email: str) -> User | None:
    return User.objects.filter(email__iexact=(email or "").strip()).select_related("member").first()


def new_leads_count() -> int:
    return Lead.objects.filter(status=Lead.Status.NEW).count()
