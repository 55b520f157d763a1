"""The member status rule, as a table of cases. The one-member refresh and
the nightly set-based sync must give the same answer for every case.

To do once billing lands: paid in full -> ACTIVE; partly paid before the due
date -> ACTIVE; partly paid after the due date -> INACTIVE; unpaid -> INACTIVE.
"""

import pytest

from core.members.models import Member
from core.members.retention import member_purge
from core.members.services import member_soft_delete, member_suspend
from core.memberships.freezes import freeze_create
from core.memberships.models import Plan
from core.memberships.services import member_refresh_status, members_sync_status, membership_cancel
from tests.core.members.builders import days, make_member, make_plan, reload, sell

ACTIVE, INACTIVE = Member.Status.ACTIVE, Member.Status.INACTIVE


def covering(member, plan, today, clock):
    sell(member, plan, today - days(10))


def starts_today(member, plan, today, clock):
    sell(member, plan, today)


def last_day_today(member, plan, today, clock):
    sell(member, plan, today - days(29))  # a 30-day plan: days -29..0


def lapsed_yesterday(member, plan, today, clock):
    sell(member, plan, today - days(30))  # days -30..-1


def future_start(member, plan, today, clock):
    sell(member, plan, today + days(1))


def frozen_today(member, plan, today, clock):
    term = sell(member, plan, today - days(10))
    freeze_create(membership=term, starts_on=today, ends_on=today + days(6), reason="Travel")


def freeze_in_future(member, plan, today, clock):
    term = sell(member, plan, today - days(10))
    freeze_create(membership=term, starts_on=today + days(1), ends_on=today + days(6), reason="Travel")


def freeze_ended_yesterday(member, plan, today, clock):
    term = sell(member, plan, today - days(10))
    clock.travel(today - days(5))
    freeze_create(membership=term, starts_on=today - days(5), ends_on=today - days(1), reason="Injury")
    clock.travel(today)


def cancelled(member, plan, today, clock):
    term = sell(member, plan, today - days(10))
    membership_cancel(membership=term, reason="Moved away")


def suspended(member, plan, today, clock):
    sell(member, plan, today - days(10))
    member_suspend(member=member, reason="Unpaid locker fee")


def soft_deleted(member, plan, today, clock):
    sell(member, plan, today - days(10))
    member_soft_delete(member=member, reason="Duplicate")


def purged(member, plan, today, clock):
    sell(member, plan, today - days(10))
    member_purge(member=member)


def only_next_term_covers_today(member, plan, today, clock):
    # Last term lapsed yesterday, the renewal starts today.
    sell(member, plan, today - days(30))
    sell(member, plan, today)


CASES = [
    (covering, ACTIVE),
    (starts_today, ACTIVE),
    (last_day_today, ACTIVE),
    (only_next_term_covers_today, ACTIVE),
    (lapsed_yesterday, INACTIVE),
    (future_start, INACTIVE),
    (frozen_today, INACTIVE),
    (freeze_in_future, ACTIVE),
    (freeze_ended_yesterday, ACTIVE),
    (cancelled, INACTIVE),
    (suspended, INACTIVE),
    (soft_deleted, INACTIVE),
    (purged, INACTIVE),
]


@pytest.mark.parametrize(("arrange", "expected"), CASES, ids=[case.__name__ for case, _ in CASES])
def test_refresh_and_nightly_sync_agree_on_the_status(db, clock, today, arrange, expected):
    # given a member in the state the case describes
    plan = make_plan(count=30, unit=Plan.IntervalUnit.DAY)
    member = make_member()
    arrange(member, plan, today, clock)
    opposite = INACTIVE if expected == ACTIVE else ACTIVE

    # when each way of applying the rule starts from the wrong status
    Member.all_objects.filter(pk=member.pk).update(status=opposite)
    refreshed = member_refresh_status(member=member, today=today).status
    Member.all_objects.filter(pk=member.pk).update(status=opposite)
    counts = members_sync_status(today=today)
    synced = reload(member).status

    # then both give the case's answer (and the sync counted the change)
    assert (refreshed, synced) == (expected, expected)
    assert counts[expected.lower()] == 1


def test_status_follows_the_calendar_across_a_term(db, clock, today):
    # given a 30-day term sold for tomorrow
    plan = make_plan(count=30, unit=Plan.IntervalUnit.DAY)
    member = make_member()
    sell(member, plan, today + days(1))

    # when the nightly sync runs on the day before, the first day, the last day and the day after
    seen = []
    for offset in (0, 1, 30, 31):
        members_sync_status(today=today + days(offset))
        seen.append(reload(member).status)

    # then the member is ACTIVE exactly while the term covers the day
    assert seen == [INACTIVE, ACTIVE, ACTIVE, INACTIVE]
