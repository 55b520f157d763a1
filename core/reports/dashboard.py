"""The numbers behind the admin dashboard, section by section.

The admin asks only for the sections the person may see; each section is a
fixed number of aggregate queries, so the dashboard makes the same queries
with ten members or fifty thousand (the charts' days before today are cached)."""

import datetime
from dataclasses import dataclass, field

from core.leads.models import Lead
from core.reports import attendance, classes, members, revenue, stock
from core.reports.cache import cached_history
from core.reports.periods import last_days, month_start
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
# The charts read a year of payments and a month of check-ins: their days before
# today are cached (core.reports.cache); today's part is counted on each visit.


def _revenue_chart(today: datetime.date) -> dict:
    yesterday = today - datetime.timedelta(days=1)
    before_this_month = month_start(today) - datetime.timedelta(days=1)
    past_days = cached_history(
        "revenue_days", today, lambda: revenue.revenue_by_day(last_days(yesterday, CHART_DAYS - 1))
    )
    past_months = cached_history(
        "revenue_months", today, lambda: revenue.revenue_by_month(today=before_this_month, months=CHART_MONTHS - 1)
    )
    return {
        "days": past_days + revenue.revenue_by_day(last_days(today, 1)),
        "months": past_months + revenue.revenue_by_month(today=today, months=1),
    }


def _members_chart(today: datetime.date) -> list[dict]:
    before_this_month = month_start(today) - datetime.timedelta(days=1)
    past = cached_history(
        "active_members",
        today,
        lambda: members.active_members_by_month(today=before_this_month, months=CHART_MONTHS - 1),
    )
    return past + members.active_members_by_month(today=today, months=1)


def _checkins_chart(today: datetime.date) -> list[int]:
    yesterday = today - datetime.timedelta(days=1)
    past = cached_history(
        "checkin_hours", today, lambda: attendance.checkins_by_hour(last_days(yesterday, CHART_DAYS - 1))
    )
    return [a + b for a, b in zip(past, attendance.checkins_by_hour(last_days(today, 1)), strict=True)]


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
        "revenue_chart": lambda: _revenue_chart(today),
        "members_chart": lambda: _members_chart(today),
        "checkins_chart": lambda: _checkins_chart(today),
        "classes_chart": lambda: classes.class_fill(last_days(today, CHART_DAYS), view="class_type"),
    }
    for section in SECTIONS:
        if section in sections:
            numbers.values[section] = compute[section]()
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
