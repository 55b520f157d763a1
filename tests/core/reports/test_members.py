"""Member head counts, renewals due, active members over time and the monthly movement,
checked against the hand-worked table in world.py (today = Wed 15 Apr 2026)."""

from decimal import Decimal

import pytest

from core.reports import members
from tests.core.reports.world import TODAY, day

pytestmark = pytest.mark.django_db


def test_member_counts(world):
    # when
    counts = members.member_counts(today=TODAY)
    # then: A, B, C, I, K are active (F is deleted); B and G joined in April (F deleted)
    assert counts == {"active": 5, "new_this_month": 2}


def test_expiry_counts(world):
    # when
    counts = members.expiry_counts(today=TODAY)
    # then: B ends 20 Apr; C ends 22 Apr (= today + 7) but is renewed; I ends 23 Apr (today + 8);
    # F is deleted. D ended 1 Apr (within 30 days); E ended 10 Mar (36 days ago).
    assert counts == {"expiring": 1, "expired": 1}


def test_renewals_due_lists_unrenewed_terms_with_contact_and_last_payment(world):
    # when
    rows = list(members.renewals_due(first=TODAY, last=day(4, 28)))
    # then
    assert [r.member.code for r in rows] == [world.members["B"].code, world.members["I"].code]
    b = rows[0]
    assert b.member.phone and b.member.user.email
    assert b.plan.name == "Weekly"
    # B's last money in was the 500 at 09:30 (the 09:45 refund is not a payment)
    assert b.last_paid_amount == Decimal("500.00")
    assert b.last_paid_at == world.payments["cash500"].received_at
    assert rows[1].last_paid_at is None


def test_renewals_due_in_the_past_lists_lapsed_terms(world):
    rows = list(members.renewals_due(first=day(3, 16), last=day(4, 14)))
    assert [r.member.code for r in rows] == [world.members["D"].code]


def test_active_members_by_month_end(world):
    # when
    rows = members.active_members_by_month(today=TODAY, months=12)
    # then: May 2025 .. April 2026, the last point is today
    assert [r["month"] for r in rows][:2] == [day(5, 1, 2025), day(6, 1, 2025)]
    assert rows[-1]["on"] == TODAY
    assert [r["active"] for r in rows] == [1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 4, 5]


def test_membership_movement(world):
    # when
    rows = members.membership_movement(first_month=day(2, 1), last_month=TODAY, today=TODAY)
    # then
    feb, mar, apr = rows
    assert (feb["new"], feb["renewed"], feb["lapsed"], feb["active_start"], feb["active_end"]) == (2, 0, 0, 2, 3)
    assert feb["churn_rate"] == Decimal("0.0")
    # March: C1 and D new, A2 renewed, E lapsed (10 Mar, no next term); 3 active on 1 March
    assert (mar["new"], mar["renewed"], mar["lapsed"], mar["active_start"], mar["active_end"]) == (2, 1, 1, 3, 4)
    assert mar["churn_rate"] == Decimal("33.3")
    # April: B and K new (F is deleted), A3 and C2 renewed, D lapsed; B ends after today so not lapsed yet
    assert (apr["new"], apr["renewed"], apr["lapsed"], apr["active_start"], apr["active_end"]) == (2, 2, 1, 4, 5)
    assert apr["churn_rate"] == Decimal("25.0")
    # MRR today: I 36500/yr -> 3000, A3 3000, B 1400/wk -> 6000, C1 3000, K 3000
    assert apr["mrr"] == Decimal("18000.00")
    assert mar["mrr"] == Decimal("12000.00")  # 31 March: I, A2, C1, D
