"""Visits: today's check-ins and who is in, check-ins by hour, visits per
member, and the churn-risk list (active members not seen for a while).

"In now" follows core.attendance.selectors.who_is_in_now (let in within
CHECKIN_PRESENCE_MINUTES, today), counted in SQL instead of listed."""

import datetime

from django.conf import settings
from django.db.models import Count, DateTimeField, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, ExtractHour

from core.attendance.models import CheckIn
from core.members.models import Member
from core.reports.periods import DateRange, day_bounds, local_midnight

ALLOWED = Q(result=CheckIn.Result.ALLOWED)


def checkin_counts_now(*, now: datetime.datetime, today: datetime.date) -> dict:
    """Today's ``allowed`` and ``denied`` check-ins, distinct ``visitors`` and members ``in_now``."""
    since, until = day_bounds(today)
    present_since = max(now - datetime.timedelta(minutes=settings.CHECKIN_PRESENCE_MINUTES), since)
    return CheckIn.objects.filter(at__gte=since, at__lt=until).aggregate(
        allowed=Count("pk", filter=ALLOWED),
        denied=Count("pk", filter=Q(result=CheckIn.Result.DENIED)),
        visitors=Count("member", distinct=True, filter=ALLOWED),
        in_now=Count("member", distinct=True, filter=ALLOWED & Q(at__gte=present_since, at__lte=now)),
    )


def checkins_by_hour(period: DateRange) -> list[int]:
    """Allowed check-ins in ``period`` per local hour of the day (24 numbers, 0:00 first)."""
    rows = (
        CheckIn.objects.filter(ALLOWED, at__gte=period.since, at__lt=period.until)
        .annotate(hour=ExtractHour("at"))
        .values("hour")
        .annotate(visits=Count("*"))
        .order_by()
    )
    counts = [0] * 24
    for row in rows:
        counts[row["hour"]] = row["visits"]
    return counts


def visits_per_member(period: DateRange) -> QuerySet:
    """Members who came in ``period`` as dicts: ``member`` (id), ``visits``, ``last_visit``; most
    visits first. Grouped on the member id alone (the cheap grouping); ``members_by_id``
    fetches the names for the rows shown."""
    return (
        CheckIn.objects.filter(ALLOWED, member__isnull=False, at__gte=period.since, at__lt=period.until)
        .values("member")
        .annotate(visits=Count("*"), last_visit=Max("at"))
        .order_by("-visits", "member")
    )


def members_by_id(ids) -> dict[int, Member]:
    """Members (soft-deleted too) with their logins, by id: one query for a page of rows."""
    return Member.all_objects.select_related("user").in_bulk(list(ids))


def last_visits(member_ids) -> dict[int, datetime.datetime]:
    """{member id: last allowed check-in} for a page of members, one query."""
    rows = (
        CheckIn.objects.filter(ALLOWED, member__in=list(member_ids))
        .values("member")
        .annotate(last=Max("at"))
        .order_by()
    )
    return {row["member"]: row["last"] for row in rows}


def visit_count(period: DateRange) -> int:
    return CheckIn.objects.filter(ALLOWED, at__gte=period.since, at__lt=period.until).count()


def _with_last_seen(members: QuerySet) -> QuerySet:
    """``seen_or_joined``: the last allowed check-in, or when the member joined if they never came
    (a member who joined yesterday is not at risk yet). One look-up per member on (member, at)."""
    last = CheckIn.objects.filter(ALLOWED, member=OuterRef("pk")).order_by("-at").values("at")[:1]
    return members.annotate(seen_or_joined=Coalesce(Subquery(last, output_field=DateTimeField()), "created_at"))


def _at_risk(members: QuerySet, cutoff: datetime.datetime) -> QuerySet:
    """``members`` whose last allowed check-in, or joining if they never came, is before ``cutoff``
    (the same members as ``seen_or_joined < cutoff``): no allowed check-in since the cutoff, and
    either joined before it or came before it. Each half is a subquery of joins (an anti-join on
    the recent check-ins, then a probe of the earlier ones only for the members left), rather
    than looking up every member's last check-in: 0.8 s down to ~0.1 s at 50,000 members
    (bench/, issue 11)."""
    since = CheckIn.objects.filter(ALLOWED, member=OuterRef("pk"), at__gte=cutoff)
    ever = CheckIn.objects.filter(ALLOWED, member=OuterRef("pk"))
    away = members.filter(~Exists(since))
    joined_before = away.filter(created_at__lt=cutoff).values("pk")
    came_before = away.filter(created_at__gte=cutoff).filter(Exists(ever)).values("pk")
    return members.filter(Q(pk__in=joined_before) | Q(pk__in=came_before))


def churn_risk(*, today: datetime.date, days: int) -> QuerySet:
    """Active members with no visit in the ``days`` days before today (or, if
    they never came, who joined before that): longest absent first."""
    cutoff = local_midnight(today - datetime.timedelta(days=days))
    return (
        _with_last_seen(_at_risk(Member.objects.filter(status=Member.Status.ACTIVE), cutoff))
        .select_related("user")
        .order_by("seen_or_joined", "code")
    )


def churn_counts(*, today: datetime.date, thresholds: tuple[int, ...] = (14, 30)) -> dict[int, int]:
    """{days: active members not seen for that long} for each threshold; one query each."""
    active = Member.objects.filter(status=Member.Status.ACTIVE)
    return {
        days: _at_risk(active, local_midnight(today - datetime.timedelta(days=days))).count() for days in thresholds
    }
