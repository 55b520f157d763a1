"""The numbers behind the admin dashboard, section by section.

The admin asks only for the sections the person may see; each section is a
fixed number of aggregate queries, so the dashboard costs the same with ten
members or fifty thousand."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

from core.leads.models import Lead
from core.reports import attendance, classes, members, revenue, stock
from core.reports.periods import last_days
from core.support.selectors import open_tickets_count

SECTIONS = (
    "members",  # active, new this month, expiring, expired
    "money",  # today's collections by method, dues outstanding
    "checkins",  # today's check-ins and who is in now
    "classes",  # today's classes and their fill
    "stock",  # low-stock SKUs
    "support",  # open tickets
    "leads",  # new applications
    "revenue_chart",  # revenue by day (30 days) and by month (12 months)
    "members_chart",  # active members at each month end (12 months)
    "checkins_chart",  # check-ins by hour of day (30 days)
    "classes_chart",  # fill rate by class type (30 days)
)
CHART_DAYS = 30
CHART_MONTHS = 12
# The charts read a year of payments and a month of check-ins; they are kept in
# the cache this many seconds (settings.REPORTS_CHART_CACHE_SECONDS; 0 = never).
# The KPI cards are always computed afresh.
CHART_SECTIONS = ("revenue_chart", "members_chart", "checkins_chart", "classes_chart")
DEFAULT_CHART_CACHE_SECONDS = 300


def _cached(section: str, today: datetime.date, compute):
    seconds = getattr(settings, "REPORTS_CHART_CACHE_SECONDS", DEFAULT_CHART_CACHE_SECONDS)
    if section not in CHART_SECTIONS or seconds <= 0:
        return compute()
    key = f"gymos:dashboard:{section}:{today.isoformat()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value


@dataclass
class DashboardNumbers:
    today: datetime.date
    values: dict = field(default_factory=dict)

    def __getitem__(self, section: str):
        return self.values[section]

    def __contains__(self, section: str) -> bool:
        return section in self.values


def dashboard_numbers(*, sections: set[str], today: datetime.date, now: datetime.datetime) -> DashboardNumbers:
    """Compute the requested ``sections`` (names from SECTIONS) as of ``today``/``now``."""
    numbers = DashboardNumbers(today=today)
    recent = last_days(today, CHART_DAYS)
    compute = {
        "members": lambda: {**members.member_counts(today=today), **members.expiry_counts(today=today)},
        "money": lambda: {
            "by_method": revenue.collections_today_by_method(today=today),
            "dues": revenue.dues_summary(today=today),
        },
        "checkins": lambda: attendance.checkin_counts_now(now=now, today=today),
        "classes": lambda: _todays_classes(today),
        "stock": lambda: {"low": stock.low_stock_count()},
        "support": lambda: {"open": open_tickets_count()},
        "leads": lambda: {"new": Lead.objects.filter(status=Lead.Status.NEW).count()},
        "revenue_chart": lambda: {
            "days": revenue.revenue_by_day(recent),
            "months": revenue.revenue_by_month(today=today, months=CHART_MONTHS),
        },
        "members_chart": lambda: members.active_members_by_month(today=today, months=CHART_MONTHS),
        "checkins_chart": lambda: attendance.checkins_by_hour(recent),
        "classes_chart": lambda: classes.class_fill(recent, view="class_type"),
    }
    for section in SECTIONS:
        if section in sections:
            numbers.values[section] = _cached(section, today, compute[section])
    return numbers


def _todays_classes(today: datetime.date) -> dict:
    sessions = list(classes.todays_classes(today=today))
    capacity = sum(s.capacity for s in sessions)
    booked = sum(s.booked for s in sessions)
    return {
        "sessions": sessions,
        "count": len(sessions),
        "capacity": capacity,
        "booked": booked,
        "fill_rate": round(booked * 100 / capacity) if capacity else None,
    }
