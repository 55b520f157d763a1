"""Read side of attendance: who is in the gym now, and today's check-ins."""

import datetime

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core.attendance.models import CheckIn


def start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def checkins_on(*, day: datetime.date | None = None) -> QuerySet:
    """Check-ins of a (local) day, newest first."""
    day = day or timezone.localdate()
    start = start_of_day(day)
    return (
        CheckIn.objects.filter(at__gte=start, at__lt=start + datetime.timedelta(days=1))
        .select_related("member__user")
        .order_by("-at", "-pk")
    )


def checkins_today() -> QuerySet:
    return checkins_on()


def who_is_in_now(*, now: datetime.datetime | None = None) -> list[CheckIn]:
    """Members let in today within the last CHECKIN_PRESENCE_MINUTES, each once
    (their latest check-in), newest first.

    Devices here record entries only, not exits, so "in the gym" means "came
    in recently"; the window is a setting. Done in Python over today's few
    hundred rows so it runs on SQLite as well as PostgreSQL."""
    now = now or timezone.now()
    since = max(
        now - datetime.timedelta(minutes=settings.CHECKIN_PRESENCE_MINUTES), start_of_day(timezone.localdate(now))
    )
    rows = (
        CheckIn.objects.filter(result=CheckIn.Result.ALLOWED, member__isnull=False, at__gte=since, at__lte=now)
        .select_related("member__user")
        .order_by("-at", "-pk")
    )
    seen: set[int] = set()
    present = []
    for checkin in rows:
        if checkin.member_id not in seen:
            seen.add(checkin.member_id)
            present.append(checkin)
    return present


def checkins_latest(*, limit: int = 8) -> list[CheckIn]:
    """The newest check-ins, allowed or refused (the desk watches the door with them)."""
    return list(CheckIn.objects.select_related("member__user").order_by("-at", "-pk")[:limit])


def checkin_counts(*, day: datetime.date | None = None) -> dict[str, int]:
    """Allowed and denied check-ins of a day (for the live view and dashboard)."""
    return (
        checkins_on(day=day)
        .order_by()
        .aggregate(
            allowed=Count("pk", filter=Q(result=CheckIn.Result.ALLOWED)),
            denied=Count("pk", filter=Q(result=CheckIn.Result.DENIED)),
        )
    )
