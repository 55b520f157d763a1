"""Dates and the datetimes that bound them, in the gym's time zone.

Reports take local dates; the database stores aware datetimes. Every range is
half-open, [start, end), so a day's last second is never counted twice."""

import datetime
from dataclasses import dataclass

from django.utils import timezone


def local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    return local_midnight(day), local_midnight(day + datetime.timedelta(days=1))


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_end(day: datetime.date) -> datetime.date:
    return add_months(day, 1) - datetime.timedelta(days=1)


def last_months(today: datetime.date, count: int) -> list[datetime.date]:
    """First days of the ``count`` months ending with ``today``'s, oldest first."""
    return [add_months(today, -n) for n in range(count - 1, -1, -1)]


@dataclass(frozen=True)
class DateRange:
    """Inclusive local dates [first, last]; ``since``/``until`` bound datetimes half-open."""

    first: datetime.date
    last: datetime.date

    @property
    def since(self) -> datetime.datetime:
        return local_midnight(self.first)

    @property
    def until(self) -> datetime.datetime:
        return local_midnight(self.last + datetime.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def dates(self) -> list[datetime.date]:
        return [self.first + datetime.timedelta(days=n) for n in range(self.days)]

    def __str__(self) -> str:
        return f"{self.first:%d %b %Y} – {self.last:%d %b %Y}"


def last_days(today: datetime.date, days: int) -> DateRange:
    """The ``days`` days ending with ``today``."""
    return DateRange(today - datetime.timedelta(days=days - 1), today)
