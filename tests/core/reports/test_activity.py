"""Check-ins, visits, churn risk, class fill, sessions taught and stock against world.py
(now = Wed 15 Apr 2026 10:00, presence window 120 minutes)."""

import pytest

from core.inventory.models import SKU, StockMovement
from core.reports import attendance, classes, stock, trainers
from core.reports.periods import DateRange, last_days
from tests.core.reports.world import NOW, TODAY, day, local

pytestmark = pytest.mark.django_db


def test_checkin_counts_now(world):
    # then: A 07:30, B 08:30 + 09:50, C 09:59 let in; D and an unknown ID refused; B and C came after 08:00
    assert attendance.checkin_counts_now(now=NOW, today=TODAY) == {
        "allowed": 4, "denied": 2, "visitors": 3, "in_now": 2,
    }  # fmt: skip


def test_checkins_by_local_hour(world):
    hours = attendance.checkins_by_hour(last_days(TODAY, 30))
    assert {h: n for h, n in enumerate(hours) if n} == {7: 1, 8: 1, 9: 2, 10: 1, 18: 1}


def test_visits_per_member(world):
    rows = list(attendance.visits_per_member(last_days(TODAY, 30)))
    m = world.members
    assert [(r["member"], r["visits"]) for r in rows] == [
        (m["A"].pk, 2), (m["B"].pk, 2), (m["C"].pk, 1), (m["I"].pk, 1),
    ]  # fmt: skip
    assert rows[0]["last_visit"] == local(TODAY, 7, 30)
    assert attendance.visit_totals(last_days(TODAY, 30)) == {"visits": 6, "visitors": 4}


def test_churn_risk(world):
    # then: I last came 26 March (20 days); K never came and joined 1 March; A, B, C came this week
    m = world.members
    at_risk_14 = list(attendance.churn_risk(today=TODAY, days=14))
    assert [x.code for x in at_risk_14] == [m["K"].code, m["I"].code]
    assert [x.code for x in attendance.churn_risk(today=TODAY, days=30)] == [m["K"].code]
    assert attendance.churn_counts(today=TODAY) == {14: 2, 30: 1}
    assert at_risk_14[1].seen_or_joined == local(day(3, 26), 10)
    assert [x.last_visit_at for x in at_risk_14] == [None, local(day(3, 26), 10)]


def test_todays_classes(world):
    sessions = {s.class_type.title: (s.booked, s.waitlisted, s.capacity) for s in classes.todays_classes(today=TODAY)}
    assert sessions == {"Yoga": (3, 1, 10), "HIIT": (5, 2, 5)}


def test_class_fill_by_class_type(world):
    rows = {r["label"]: r for r in classes.class_fill(last_days(TODAY, 30), view="class_type")}
    yoga, hiit = rows["Yoga"], rows["HIIT"]
    assert (yoga["sessions"], yoga["cancelled"], yoga["capacity"], yoga["booked"]) == (2, 1, 20, 8)
    assert (yoga["attended"], yoga["no_show"], yoga["waitlist_demand"], yoga["fill_rate"]) == (6, 2, 2, 40.0)
    assert (hiit["sessions"], hiit["capacity"], hiit["booked"], hiit["waitlist_demand"], hiit["fill_rate"]) == (
        1, 5, 5, 2, 100.0,
    )  # fmt: skip


def test_class_fill_by_instructor_and_slot(world):
    period = last_days(TODAY, 30)
    by_instructor = {r["label"]: (r["sessions"], r["booked"]) for r in classes.class_fill(period, view="instructor")}
    assert by_instructor == {"Nadia Islam": (1, 5), "Tanvir Ahmed": (2, 8)}
    slots = [(r["label"], r["sessions"], r["cancelled"], r["booked"]) for r in classes.class_fill(period, view="slot")]
    assert slots == [
        ("Wednesday 07:00", 1, 0, 3),
        ("Wednesday 12:00", 0, 1, 0),
        ("Wednesday 18:00", 1, 0, 5),
        ("Sunday 07:00", 1, 0, 5),
    ]


def test_sessions_taught(world):
    rows = {r["instructor"]: r for r in trainers.sessions_taught(last_days(TODAY, 30), now=NOW)}
    tanvir, nadia = rows["Tanvir Ahmed"], rows["Nadia Islam"]
    assert (tanvir["held"], tanvir["upcoming"], tanvir["cancelled"], tanvir["hours"]) == (2, 0, 1, 2.0)
    assert (tanvir["booked"], tanvir["attendees"], tanvir["no_shows"], tanvir["average"]) == (8, 6, 2, 3.0)
    # HIIT at 18:00 has not started: it is to come and its bookings are not attendance yet
    assert (nadia["held"], nadia["upcoming"], nadia["attendees"], nadia["average"]) == (0, 1, 0, None)


def test_low_stock_with_units_sold_in_the_period(world):
    # given: 3 of SHAKE-5 sold today, 2 sold in March (outside the period), 4 received today
    sku = SKU.objects.get(code="SHAKE-5")
    for kind, quantity, at in (("SOLD", -3, NOW), ("SOLD", -2, local(day(3, 20), 12)), ("RECEIVED", 4, NOW)):
        StockMovement.objects.create(sku=sku, kind=kind, quantity=quantity, stock_after=5, by=world.staff, at=at)
    # when
    rows = list(stock.low_stock_with_sales(DateRange(day(4, 1), TODAY)))
    # then: emptiest first
    assert stock.low_stock_count() == 2
    assert [(s.code, s.sold) for s in rows] == [("SHAKE-0", 0), ("SHAKE-5", 3)]
