"""Selling, renewing and cancelling memberships."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.members.services import member_soft_delete
from core.memberships.models import Membership, Plan
from core.memberships.services import membership_cancel, membership_create, membership_renew, plan_delete, term_end
from tests.core.members.builders import days, make_member, make_plan, sell

D = datetime.date
U = Plan.IntervalUnit


@pytest.mark.parametrize(
    ("count", "unit", "starts_on", "ends_on"),
    [
        (1, U.DAY, D(2026, 3, 1), D(2026, 3, 1)),
        (10, U.DAY, D(2026, 3, 1), D(2026, 3, 10)),
        (20, U.DAY, D(2026, 11, 13), D(2026, 12, 2)),
        (2, U.WEEK, D(2026, 3, 1), D(2026, 3, 14)),
        (1, U.WEEK, D(2026, 1, 29), D(2026, 2, 4)),
        (1, U.MONTH, D(2026, 1, 15), D(2026, 2, 14)),
        (1, U.MONTH, D(2026, 2, 1), D(2026, 2, 28)),
        (1, U.MONTH, D(2026, 12, 20), D(2027, 1, 19)),
        (3, U.MONTH, D(2026, 1, 1), D(2026, 3, 31)),
        # No 31 February: the term runs to the end of February, the renewal starts on 1 March.
        (1, U.MONTH, D(2026, 1, 31), D(2026, 2, 28)),
        (1, U.MONTH, D(2026, 1, 29), D(2026, 2, 28)),
        (1, U.MONTH, D(2026, 1, 28), D(2026, 2, 27)),
        (1, U.MONTH, D(2024, 1, 31), D(2024, 2, 29)),
        (1, U.MONTH, D(2026, 3, 31), D(2026, 4, 30)),
        (3, U.MONTH, D(2025, 11, 30), D(2026, 2, 28)),
        (1, U.YEAR, D(2026, 1, 1), D(2026, 12, 31)),
        (1, U.YEAR, D(2024, 2, 29), D(2025, 2, 28)),
    ],
)
def test_term_end(count, unit, starts_on, ends_on):
    # given a plan of that interval
    plan = Plan(name="p", price=Decimal("1"), interval_count=count, interval_unit=unit)
    # when / then
    assert term_end(plan=plan, starts_on=starts_on) == ends_on


@pytest.mark.parametrize("unit", [U.MONTH, U.YEAR])
def test_terms_never_shrink_for_a_later_start_and_renewals_do_not_drift(unit):
    # given a monthly (yearly) plan and every start date over four years
    plan = Plan(name="p", price=Decimal("1"), interval_count=1, interval_unit=unit)
    starts = [D(2024, 1, 1) + days(i) for i in range(4 * 366)]

    # when the term end is computed for each
    ends = [term_end(plan=plan, starts_on=s) for s in starts]

    # then a later start never ends earlier, and each term is at least 28 (365) days
    assert all(a <= b for a, b in zip(ends, ends[1:], strict=False))
    shortest = 28 if unit == U.MONTH else 365
    assert all((e - s).days + 1 >= shortest for s, e in zip(starts, ends, strict=True))

    # and a chain of monthly renewals from 31 January stays on calendar months
    if unit == U.MONTH:
        chain, start = [], D(2026, 1, 31)
        for _ in range(3):
            end = term_end(plan=plan, starts_on=start)
            chain.append(end)
            start = end + days(1)
        assert chain == [D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30)]


def test_membership_create_snapshots_the_price_and_dates(db, plan):
    # given a member and a monthly plan at 2000
    member = make_member()

    # when a membership is sold from 15 March and the plan price changes afterwards
    term = membership_create(member=member, plan=plan, starts_on=D(2031, 3, 15))
    plan.price = Decimal("2500.00")
    plan.save()

    # then the membership keeps the price it was sold at
    term.refresh_from_db()
    assert (term.starts_on, term.ends_on, term.price) == (D(2031, 3, 15), D(2031, 4, 14), Decimal("2000.00"))
    assert term.status == Membership.Status.ACTIVE
    # and the next renewal is sold at the new price
    assert membership_renew(member=member).price == Decimal("2500.00")


def test_overlapping_membership_is_refused_with_the_clashing_dates(db, plan):
    # given a membership from 1 to 31 March
    member = make_member()
    membership_create(member=member, plan=plan, starts_on=D(2031, 3, 1))

    # when another one starting mid-March is sold
    with pytest.raises(ValidationError) as exc:
        membership_create(member=member, plan=plan, starts_on=D(2031, 3, 20))

    # then it is refused, naming the membership in the way, and nothing was written
    message = exc.value.messages[0]
    assert "01 Mar 2031" in message and "31 Mar 2031" in message
    assert member.code in message
    assert Membership.objects.filter(member=member).count() == 1


def test_overlap_is_checked_both_ways_but_touching_terms_are_fine(db, plan):
    # given a membership from 1 to 31 March
    member = make_member()
    membership_create(member=member, plan=plan, starts_on=D(2031, 3, 1))

    # when a term ending inside it is sold, then it is refused
    with pytest.raises(ValidationError):
        membership_create(member=member, plan=plan, starts_on=D(2031, 2, 15))
    # when terms that touch it on either side are sold, then they are accepted
    membership_create(member=member, plan=plan, starts_on=D(2031, 4, 1))
    membership_create(member=member, plan=make_plan(count=28, unit=U.DAY), starts_on=D(2031, 2, 1))
    assert Membership.objects.filter(member=member).count() == 3


def test_a_cancelled_membership_no_longer_blocks_its_dates(db, plan):
    # given a cancelled membership for March
    member = make_member()
    term = membership_create(member=member, plan=plan, starts_on=D(2031, 3, 1))
    membership_cancel(membership=term, reason="Sold by mistake")

    # when March is sold again
    again = membership_create(member=member, plan=plan, starts_on=D(2031, 3, 1))

    # then it is accepted
    assert again.status == Membership.Status.ACTIVE


def test_inactive_plan_is_not_sold(db):
    # given a plan that is no longer sold
    member = make_member()
    old = make_plan(name="Student 2019", is_active=False)

    # when it is sold, then a clear message names it
    with pytest.raises(ValidationError, match="Student 2019.*no longer sold"):
        membership_create(member=member, plan=old)
    assert not Membership.objects.exists()


def test_deleted_member_cannot_buy(db, plan):
    # given a soft-deleted member
    member = make_member()
    member_soft_delete(member=member)

    # when a membership is sold to them, then it is refused
    with pytest.raises(ValidationError, match="deleted; restore the member"):
        membership_create(member=member, plan=plan)
    assert not Membership.objects.exists()


def test_renewal_starts_the_day_after_the_current_term(db, plan, today):
    # given a member whose current term ends in 10 days
    member = make_member()
    current = sell(member, make_plan(count=20, unit=U.DAY), today - days(9))
    assert current.ends_on == today + days(10)

    # when the membership is renewed on the monthly plan
    renewal = membership_renew(member=member, plan=plan)

    # then the renewal starts the day after, and links back to the term it renews
    assert renewal.starts_on == today + days(11)
    assert renewal.renewed_from == current
    current.refresh_from_db()
    assert current.renewal == renewal


def test_renewal_of_a_lapsed_membership_starts_today(db, plan, today):
    # given a member whose membership ended 10 days ago
    member = make_member()
    lapsed = sell(member, plan, today - days(40))
    assert lapsed.ends_on < today

    # when it is renewed (same plan by default)
    renewal = membership_renew(member=member)

    # then it starts today and the member is active again
    assert (renewal.starts_on, renewal.plan, renewal.renewed_from) == (today, plan, lapsed)
    member.refresh_from_db()
    assert member.status == "ACTIVE"


def test_renewal_without_any_membership_needs_a_plan(db):
    member = make_member()
    with pytest.raises(ValidationError, match="no membership to renew; choose a plan"):
        membership_renew(member=member)


def test_renewal_can_be_sold_again_after_the_renewal_was_cancelled(db, plan, today):
    # given a term, its renewal, and the renewal cancelled
    member = make_member()
    current = sell(member, plan, today)
    first = membership_renew(member=member)
    membership_cancel(membership=first, reason="Paid with a bounced cheque")

    # when the member renews again
    second = membership_renew(member=member)

    # then the new renewal follows the current term and takes over the link
    assert second.starts_on == current.ends_on + days(1)
    assert second.renewed_from == current


def test_cancel_needs_a_reason_and_happens_once(db, plan, today):
    # given a current membership
    member = make_member()
    term = sell(member, plan, today)

    # when it is cancelled without a reason, then it is refused
    with pytest.raises(ValidationError, match="Give a reason"):
        membership_cancel(membership=term, reason="  ")
    term.refresh_from_db()
    assert term.status == Membership.Status.ACTIVE

    # when it is cancelled with a reason
    membership_cancel(membership=term, reason="Moved to Chittagong")

    # then it is cancelled, the reason kept, the member inactive; a second cancel is refused
    term.refresh_from_db()
    member.refresh_from_db()
    assert term.status == Membership.Status.CANCELLED
    assert "Moved to Chittagong" in term.note
    assert member.status == "INACTIVE"
    with pytest.raises(ValidationError, match="already cancelled"):
        membership_cancel(membership=term, reason="again")


def test_a_plan_with_members_cannot_be_deleted(db, plan, today):
    # given a plan someone bought (even if that membership was later cancelled)
    term = sell(make_member(), plan, today)
    membership_cancel(membership=term, reason="Refunded")

    # when the plan is deleted, then it is refused with the advice to deactivate it
    with pytest.raises(ValidationError, match="deactivate it instead"):
        plan_delete(plan=plan)
    assert Plan.objects.filter(pk=plan.pk).exists()


def test_a_plan_nobody_bought_can_be_deleted(db):
    unused = make_plan(name="Typo plan")
    plan_delete(plan=unused)
    assert not Plan.objects.filter(name="Typo plan").exists()
