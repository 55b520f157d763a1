"""Collections, revenue series, dues and aging against world.py (today = Wed 15 Apr 2026, Asia/Dhaka)."""

from decimal import Decimal

import pytest

from core.reports import revenue
from core.reports.periods import DateRange, last_days
from tests.core.reports.world import TODAY, day

pytestmark = pytest.mark.django_db
D = Decimal


def test_collections_today_by_method(world):
    # when
    today = revenue.collections_today_by_method(today=TODAY)
    # then: cash 1000 + 500 - 300 refund; bKash 2000 at 00:30 local (18:30 UTC the day before) counts today;
    # yesterday's 700 at 23:30 local does not
    cash, bkash = today["CASH"], today["BKASH"]
    assert (cash["received"], cash["refunded"], cash["net"], cash["payments"], cash["refunds"]) == (
        D("1500.00"), D("300.00"), D("1200.00"), 2, 1,
    )  # fmt: skip
    assert (bkash["net"], bkash["payments"], bkash["refunds"]) == (D("2000.00"), 1, 0)


def test_revenue_by_day_fills_empty_days(world):
    # when
    rows = revenue.revenue_by_day(last_days(TODAY, 30))
    # then
    assert len(rows) == 30 and rows[0]["day"] == day(3, 17) and rows[-1]["day"] == TODAY
    by_day = {r["day"]: r["net"] for r in rows}
    assert by_day[TODAY] == D("3200.00")
    assert by_day[day(4, 14)] == D("700.00")
    assert sum(by_day.values()) == D("3900.00")  # the 999 of 6 March is outside


def test_revenue_by_month(world):
    rows = revenue.revenue_by_month(today=TODAY, months=12)
    assert len(rows) == 12 and rows[0]["month"] == day(5, 1, 2025)
    assert [(r["month"], r["net"]) for r in rows[-2:]] == [
        (day(3, 1), D("999.00")),
        (TODAY.replace(day=1), D("3900.00")),
    ]


def test_collections_by_method_and_staff(world):
    # given
    period = DateRange(day(4, 14), TODAY)
    # when
    methods = {r["method"]: r for r in revenue.collections_by_method(period)}
    staff = {r["staff"]: r for r in revenue.collections_by_staff(period)}
    # then
    assert methods["CASH"]["net"] == D("1900.00") and methods["BKASH"]["net"] == D("2000.00")
    assert staff["Sam Desk"]["received"] == D("2200.00")
    assert staff["Ada Admin"]["refunded"] == D("300.00") and staff["Ada Admin"]["net"] == D("-300.00")
    assert staff["Online (no staff member)"]["net"] == D("2000.00")


def test_refunds_listed(world):
    refunds = list(revenue.refunds_between(DateRange(TODAY, TODAY)))
    assert [(r.amount, r.refund_of_id) for r in refunds] == [(D("-300.00"), world.payments["cash1000"].pk)]


def test_dues_summary_counts_past_due_open_invoices(world):
    # then: 5, 45, 104, 30, 31, 60, 61 days late; due today, paid and void are not past due
    assert revenue.dues_summary(today=TODAY) == {"count": 7, "owed": D("9800.00")}


def test_dues_aging_buckets(world):
    # when
    buckets = {b["bucket"]: (b["count"], b["owed"]) for b in revenue.dues_aging(today=TODAY)}
    # then: 0-30 = 5 days (2300 left) + 30 days (100); 31-60 = 31, 45, 60 days; 60+ = 61 and 104 days
    assert buckets == {
        "0-30": (2, D("2400.00")),
        "31-60": (3, D("1600.00")),
        "60+": (2, D("5800.00")),
    }


def test_overdue_invoices_filtered_by_due_date(world):
    rows = list(revenue.overdue_invoices(today=TODAY, due_from=day(3, 1), due_to=day(3, 31)))
    assert [(r.due_on, r.bucket, r.balance_due) for r in rows] == [
        (day(3, 1), "31-60", D("1000.00")),
        (day(3, 15), "31-60", D("200.00")),
        (day(3, 16), "0-30", D("100.00")),
    ]
