"""Check-ins from punches: one verdict per membership state, bursts of
punches as one visit, and a fixed number of queries whatever the batch size."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.attendance.models import CheckIn
from core.attendance.services import PunchIn, checkin_manual, checkins_record_punches
from core.billing.services.purchases import membership_sell
from core.members.retention import member_purge
from core.members.services import member_soft_delete, member_suspend
from core.memberships.freezes import freeze_create
from tests.core.members.builders import days, make_member, make_plan, sell

pytestmark = pytest.mark.django_db

Reason = CheckIn.Reason
ALLOWED, DENIED = CheckIn.Result.ALLOWED, CheckIn.Result.DENIED


def noon(day: datetime.date) -> datetime.datetime:
    # A fixed time of day: these tests never straddle midnight.
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))


def record(*punches: tuple[str, datetime.datetime]) -> list[CheckIn]:
    ids = checkins_record_punches(punches=[PunchIn(bio, at) for bio, at in punches])
    by_id = CheckIn.objects.in_bulk(ids)
    return [by_id[i] for i in ids]


def active(member, plan, today):
    sell(member, plan, today - days(10))


def expired(member, plan, today):
    sell(member, plan, today - days(45))  # one month from 45 days ago: over


def never_bought(member, plan, today):
    pass


def starts_next_week(member, plan, today):
    sell(member, plan, today + days(7))


def frozen(member, plan, today):
    term = sell(member, plan, today - days(10))
    freeze_create(membership=term, starts_on=today, ends_on=today + days(6), reason="Travel")


def unpaid(member, plan, today):
    membership_sell(member=member, plan=plan, starts_on=today - days(10))  # invoice issued, nothing paid


def suspended(member, plan, today):
    sell(member, plan, today - days(10))
    member_suspend(member=member, reason="Unpaid locker")


def deleted(member, plan, today):
    sell(member, plan, today - days(10))
    member_soft_delete(member=member, reason="Left")
    # Deleted this morning, before the noon punch (whatever time the test runs: the
    # verdict compares the punch with the deletion time).
    morning = timezone.make_aware(datetime.datetime.combine(today, datetime.time(8, 0)))
    type(member).all_objects.filter(pk=member.pk).update(deleted_at=morning)


@pytest.mark.parametrize(
    ("setup", "result", "reason"),
    [
        (active, ALLOWED, ""),
        (expired, DENIED, Reason.EXPIRED),
        (never_bought, DENIED, Reason.NO_MEMBERSHIP),
        (starts_next_week, DENIED, Reason.NO_MEMBERSHIP),
        (frozen, DENIED, Reason.FROZEN),
        (unpaid, DENIED, Reason.UNPAID),
        (suspended, DENIED, Reason.SUSPENDED),
        (deleted, DENIED, Reason.DELETED),
    ],
)
def test_a_punch_is_judged_by_the_members_state(plan, today, setup, result, reason):
    # given
    member = make_member(biometric_id="501")
    setup(member, plan, today)

    # when
    (checkin,) = record(("501", noon(today)))

    # then
    assert (checkin.result, checkin.reason) == (result, reason)
    assert checkin.member_id == member.pk
    assert checkin.source == CheckIn.Source.DEVICE


def test_an_unknown_id_is_denied_and_kept(today):
    # given no member enrolled as 999
    # when
    (checkin,) = record(("999", noon(today)))

    # then
    assert (checkin.result, checkin.reason, checkin.member_id) == (DENIED, Reason.UNKNOWN_ID, None)
    assert checkin.biometric_id == "999"


def test_a_purged_members_old_id_is_unknown(plan, today):
    # given
    member = make_member(biometric_id="77")
    sell(member, plan, today - days(10))
    member_purge(member=member)

    # when
    (checkin,) = record(("77", noon(today)))

    # then
    assert (checkin.member_id, checkin.reason) == (None, Reason.UNKNOWN_ID)


def test_a_punch_is_judged_on_its_own_day(plan, today):
    # given a term that ended 15 days ago, and punches from during it and from today
    member = make_member(biometric_id="12")
    term = sell(member, plan, today - days(45))
    during = noon(term.ends_on - days(2))

    # when
    old, new = record(("12", during), ("12", noon(today)))

    # then
    assert old.result == ALLOWED
    assert (new.result, new.reason) == (DENIED, Reason.EXPIRED)


def test_a_burst_of_punches_is_one_visit(plan, today):
    # given
    make_member(biometric_id="5")
    sell(make_member(biometric_id="5b"), plan, today - days(1))
    t = noon(today)

    # when three presses within a minute, one 4 minutes later, then one 6 minutes after the first
    checkins = record(
        ("5", t), ("5", t + datetime.timedelta(seconds=20)), ("5", t + datetime.timedelta(seconds=50)),
        ("5", t + datetime.timedelta(minutes=4)), ("5", t + datetime.timedelta(minutes=6)),
    )  # fmt: skip

    # then the first four make one visit, the last a new one
    assert len({c.pk for c in checkins[:4]}) == 1
    assert checkins[4].pk != checkins[0].pk
    assert CheckIn.objects.count() == 2


def test_a_burst_split_over_two_reads_is_still_one_visit(plan, today):
    # given
    member = make_member(biometric_id="6")
    sell(member, plan, today - days(1))
    (first,) = record(("6", noon(today)))

    # when the next poll brings the rest of the burst
    (second,) = record(("6", noon(today) + datetime.timedelta(minutes=2)))

    # then
    assert second.pk == first.pk
    assert CheckIn.objects.filter(member=member).count() == 1


def test_a_punch_right_after_a_desk_check_in_joins_it(plan, today, admin_user):
    # given
    member = make_member(biometric_id="8")
    sell(member, plan, today - days(1))
    desk = checkin_manual(member=member, by=admin_user, at=noon(today))

    # when
    (punch,) = record(("8", noon(today) + datetime.timedelta(minutes=1)))

    # then
    assert punch.pk == desk.pk


def test_a_refusal_and_a_later_admission_are_two_check_ins(plan, today):
    # given a refused unknown finger, then the same ID enrolled for a paying member
    (refused,) = record(("9", noon(today)))
    member = make_member(biometric_id="9")
    sell(member, plan, today - days(1))

    # when the member tries again two minutes later
    (admitted,) = record(("9", noon(today) + datetime.timedelta(minutes=2)))

    # then
    assert refused.result == DENIED
    assert admitted.result == ALLOWED
    assert admitted.pk != refused.pk


def test_the_window_is_a_setting(plan, today, settings):
    # given
    settings.CHECKIN_DEDUPE_MINUTES = 1
    sell(make_member(biometric_id="3"), plan, today - days(1))

    # when
    a, b = record(("3", noon(today)), ("3", noon(today) + datetime.timedelta(minutes=2)))

    # then
    assert a.pk != b.pk


def _queries_for(n_members: int, punches_each: int, today, plan) -> int:
    for i in range(n_members):
        sell(make_member(biometric_id=f"q{n_members}-{i}"), plan, today - days(1))
    punches = [
        PunchIn(f"q{n_members}-{i}", noon(today) + datetime.timedelta(minutes=7 * k))
        for i in range(n_members)
        for k in range(punches_each)
    ]
    with CaptureQueriesContext(connection) as queries:
        checkins_record_punches(punches=punches)
    return len(queries)


def test_queries_do_not_grow_with_the_punches(today):
    # given
    plan = make_plan(name="Query plan")

    # when
    small = _queries_for(2, 2, today, plan)
    large = _queries_for(20, 10, today, plan)

    # then
    assert small == large
