"""Visits: today's check-ins and who is in, check-ins by hour, visits per
member, and the churn-risk list (active members not seen for a while).

"In now" follows core.attendance.selectors.who_is_in_now (let in within
CHECKIN_PRESENCE_MINUTES, today), counted in SQL instead of listed."""

import datetime

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
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


def visit_totals(period: DateRange) -> dict[str, int]:
    """Allowed check-ins in ``period``: ``visits``, and ``visitors`` (distinct members, the
    number of ``visits_per_member`` rows). One pass over the (at, member) index of visits for
    both, rather than a count of the visits plus a count of the grouped rows."""
    return CheckIn.objects.filter(ALLOWED, at__gte=period.since, at__lt=period.until).aggregate(
        visits=Count("*"), visitors=Count("member", distinct=True)
    )


def _seen_or_joined() -> Coalesce:
    """The last allowed check-in (``Member.last_visit_at``, kept on every check-in), or when the
    member joined if they never came (a member who joined yesterday is not at risk yet). Spelled
    as member_active_seen_idx is, so the churn list is read from that index in its order."""
    return Coalesce("last_visit_at", "created_at")


def _active_seen() -> QuerySet:
    return Member.objects.filter(status=Member.Status.ACTIVE).annotate(seen_or_joined=_seen_or_joined())


def churn_risk(*, today: datetime.date, days: int) -> QuerySet:
    """Active members with no visit in the ``days`` days before today (or, if
    they never came, who joined before that): longest absent first, each with
    ``seen_or_joined`` (and ``last_visit_at``, None if they never came)."""
    cutoff = local_midnight(today - datetime.timedelta(days=days))
    return _active_seen().filter(seen_or_joined__lt=cutoff).select_related("user").order_by("seen_or_joined", "code")


def churn_counts(*, today: datetime.date, thresholds: tuple[int, ...] = (14, 30)) -> dict[int, int]:
    """{days: active members not seen for that long} for each threshold, in one query: one pass
    over the members (~5 ms at 50,000), each threshold a filtered count."""
    cutoffs = {days: local_midnight(today - datetime.timedelta(days=days)) for days in thresholds}
    counts = (
        _active_seen()
        .filter(seen_or_joined__lt=max(cutoffs.values()))
        .aggregate(**{f"d{days}": Count("pk", filter=Q(seen_or_joined__lt=cutoff)) for days, cutoff in cutoffs.items()})
    )
    return {days: counts[f"d{days}"] for days in thresholds}
