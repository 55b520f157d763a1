"""Daily digest sections about memberships (registered in MembershipsConfig.ready)."""

import datetime

from django.db.models import Exists, OuterRef, QuerySet

from core.memberships.models import Membership
from core.notifications.digest import DigestSection


def _day(value: datetime.date) -> str:
    return f"{value:%a} {value.day} {value:%b}"


def _not_renewed(queryset: QuerySet) -> QuerySet:
    """Memberships of members who were not sold a later one, of members still on the books."""
    later = Membership.objects.filter(
        member=OuterRef("member"), status=Membership.Status.ACTIVE, ends_on__gt=OuterRef("ends_on")
    )
    return (
        queryset.filter(status=Membership.Status.ACTIVE, member__deleted_at__isnull=True)
        .exclude(Exists(later))
        .select_related("member__user", "plan")
        .order_by("ends_on", "member__code")
    )


def _line(membership: Membership, ending: str) -> str:
    member = membership.member
    phone = f", {member.phone}" if member.phone else ""
    return f"{member.code} {member.display_name} ({membership.plan.name}{phone}): {ending}"


def renewals_due_section(today: datetime.date) -> DigestSection:
    """Memberships whose renewal falls in the next 7 days and that are not renewed yet."""
    due = list(_not_renewed(Membership.objects.filter(ends_on__gte=today, ends_on__lt=today + datetime.timedelta(7))))
    return DigestSection(
        title="Renewals due in the next 7 days",
        summary=f"{len(due)} not renewed yet" if due else "",
        lines=[_line(m, f"last day {_day(m.ends_on)}") for m in due],
        link="/admin/members/member/?expiring=7",
    )


def expired_yesterday_section(today: datetime.date) -> DigestSection:
    """Memberships that ended yesterday and were not renewed."""
    yesterday = today - datetime.timedelta(days=1)
    ended = list(_not_renewed(Membership.objects.filter(ends_on=yesterday)))
    return DigestSection(
        title="Expired yesterday",
        summary=f"{len(ended)} not renewed" if ended else "",
        lines=[_line(m, f"ended {_day(m.ends_on)}") for m in ended],
    )
