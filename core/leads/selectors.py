"""Reading leads: possible duplicates (for staff only: the applicant is never
told whether someone is a member) and counts for the inbox badge."""

from dataclasses import dataclass, field

from django.db.models import BooleanField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Lower

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
    # One look-up per key, each an index probe per row shown: lower(email) on users
    # (then the member by its unique user), phone on members, lower(email) and phone
    # on leads. Scalar subqueries rather than EXISTS: costed for every lead, not the
    # page's 50, an EXISTS was run as a hash of all 50,000 members (0.3-0.6 s a page,
    # bench/, issue 11); an OR inside one look-up scanned every row for every lead.
    member_login = User.objects.annotate(login=Lower("email")).filter(
        login=Lower(OuterRef("email")), member__isnull=False
    )
    by_phone = Member.all_objects.filter(phone=OuterRef("phone"))
    open_leads = Lead.objects.filter(status__in=Lead.OPEN_STATUSES).exclude(pk=OuterRef("pk"))
    lead_email = open_leads.annotate(login=Lower("email")).filter(login=Lower(OuterRef("email")))
    lead_phone = open_leads.filter(phone=OuterRef("phone"))
    return queryset.annotate(
        member_match=_found(member_login) | _found(by_phone), lead_match=_found(lead_email) | _found(lead_phone)
    )


def _found(queryset: QuerySet) -> Coalesce:
    """True when ``queryset`` has a row (SELECT true ... LIMIT 1), false otherwise."""
    hit = queryset.order_by().annotate(hit=Value(True)).values("hit")[:1]
    return Coalesce(Subquery(hit, output_field=BooleanField()), Value(False))


def account_for_email(email: str) -> User | None:
    return User.objects.filter(email__iexact=(email or "").strip()).select_related("member").first()


def new_leads_count() -> int:
    return Lead.objects.filter(status=Lead.Status.NEW).count()
