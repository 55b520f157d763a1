"""core.reports.dashboard computes only the sections asked for."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.reports.dashboard import SECTIONS, dashboard_numbers
from tests.core.reports.world import NOW, TODAY

pytestmark = pytest.mark.django_db


def test_only_requested_sections_are_computed(world):
    # when
    with CaptureQueriesContext(connection) as ctx:
        numbers = dashboard_numbers(sections={"members", "leads"}, today=TODAY, now=NOW)
    # then
    assert "members" in numbers and "leads" in numbers and "money" not in numbers
    assert numbers["members"] == {"active": 5, "new_this_month": 2, "expiring": 1, "expired": 1}
    assert numbers["leads"] == {"new": 2}
    assert len(ctx) == 3
    assert not any("billing_payment" in q["sql"] for q in ctx.captured_queries)


def test_every_section(world):
    numbers = dashboard_numbers(sections=set(SECTIONS), today=TODAY, now=NOW)
    assert numbers["stock"] == {"low": 2} and numbers["support"] == {"open": 2}
    assert numbers["classes"]["count"] == 2 and numbers["classes"]["booked"] == 8
    assert numbers["classes"]["fill_rate"] == 53  # 8 of 15 seats
    assert numbers["money"]["dues"]["count"] == 7
    assert len(numbers["revenue_chart"]["days"]) == 30 and len(numbers["revenue_chart"]["months"]) == 12
    assert numbers["members_chart"][-1]["active"] == 5
    assert sum(numbers["checkins_chart"]) == 6
    assert {r["label"] for r in numbers["classes_chart"]} == {"Yoga", "HIIT"}
