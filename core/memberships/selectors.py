"""Read side of memberships: what a member's page shows."""

import datetime
from dataclasses import dataclass, field

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
