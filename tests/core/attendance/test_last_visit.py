"""Member.last_visit_at: the last allowed check-in, kept on the member by every
write of a check-in (device punches, the desk) and filled for existing data by
the migration that added it."""

import datetime
import importlib

import pytest
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from core.attendance.models import CheckIn
from core.attendance.services import PunchIn, checkin_manual, checkins_record_punches, members_note_visits
from core.members.models import Member
from tests.core.members.builders import days, make_member, sell

pytestmark = pytest.mark.django_db

BACKFILL_SQL = importlib.import_module("core.members.migrations.0003_member_last_visit_at").BACKFILL_SQL


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def last_visit(member) -> datetime.datetime | None:
    return Member.all_objects.values_list("last_visit_at", flat=True).get(pk=member.pk)


def paying(biometric_id: str, plan, today) -> Member:
    member = make_member(biometric_id=biometric_id)
    sell(member, plan, today - days(10))
    return member


def test_punches_set_each_members_latest_allowed_visit(plan, today):
    # given
    ana, bo = paying("11", plan, today), paying("12", plan, today)

    # when one batch brings two visits of Ana's (out of order) and one of Bo's
    checkins_record_punches(
        punches=[PunchIn("11", at(today, 18)), PunchIn("12", at(today, 9)), PunchIn("11", at(today, 7))]
    )

    # then
    assert (last_visit(ana), last_visit(bo)) == (at(today, 18), at(today, 9))


def test_a_late_older_punch_does_not_move_it_back(plan, today):
    # given
    member = paying("21", plan, today)
    checkins_record_punches(punches=[PunchIn("21", at(today, 18))])

    # when a punch from this morning arrives afterwards (a device that was offline)
    (late,) = checkins_record_punches(punches=[PunchIn("21", at(today, 7))])

    # then the morning visit is recorded, the member's last visit stays
    assert CheckIn.objects.get(pk=late).result == CheckIn.Result.ALLOWED
    assert last_visit(member) == at(today, 18)


def test_a_denied_punch_does_not_count_as_a_visit(plan, today):
    # given a member let in yesterday whose term ended since, and one who never paid
    member = make_member(biometric_id="31")
    term = sell(member, plan, today - days(31))
    never = make_member(biometric_id="32")
    yesterday = at(term.ends_on, 12)
    checkins_record_punches(punches=[PunchIn("31", yesterday)])

    # when both are refused today
    checkins_record_punches(punches=[PunchIn("31", at(today, 12)), PunchIn("32", at(today, 12))])

    # then
    assert set(CheckIn.objects.filter(at=at(today, 12)).values_list("result", flat=True)) == {"DENIED"}
    assert (last_visit(member), last_visit(never)) == (yesterday, None)


def test_the_desk_sets_it_and_a_refusal_at_the_desk_does_not(plan, today, admin_user):
    # given
    member = paying("41", plan, today)
    unpaid = make_member(biometric_id="42")

    # when
    checkin_manual(member=member, by=admin_user, at=at(today, 8))
    refused = checkin_manual(member=unpaid, by=admin_user, at=at(today, 8))

    # then
    assert last_visit(member) == at(today, 8)
    assert refused.result == CheckIn.Result.DENIED and last_visit(unpaid) is None


def test_a_visit_writes_no_member_history(plan, today, admin_user):
    # given
    member = paying("51", plan, today)
    before = Member.history.filter(id=member.pk).count()

    # when
    checkins_record_punches(punches=[PunchIn("51", at(today, 7))])
    checkin_manual(member=member, by=admin_user, at=at(today, 19))

    # then
    assert last_visit(member) == at(today, 19)
    assert Member.history.filter(id=member.pk).count() == before
    assert "last_visit_at" not in {f.name for f in Member.history.model._meta.get_fields()}


def test_noting_visits_takes_one_query_whatever_the_batch(plan, today, django_assert_num_queries):
    members = [make_member() for _ in range(12)]
    visits = [(m.pk, at(today, 6) + datetime.timedelta(minutes=i)) for i, m in enumerate(members)]

    with django_assert_num_queries(1):
        moved = members_note_visits(visits=visits + visits[:5])

    assert moved == 12
    assert last_visit(members[-1]) == visits[-1][1]


def test_the_backfill_matches_the_check_ins(plan, today):
    # given members with allowed and denied check-ins, one with refusals only, one who never came
    came, refused_only, never = make_member(), make_member(), make_member()
    rows = [
        (came, at(today - days(3), 7), "ALLOWED"),
        (came, at(today - days(1), 18), "ALLOWED"),
        (came, at(today, 9), "DENIED"),  # later, but refused
        (refused_only, at(today, 10), "DENIED"),
    ]
    CheckIn.objects.bulk_create(
        CheckIn(member=m, at=when, source="DEVICE", result=result, reason="" if result == "ALLOWED" else "EXPIRED")
        for m, when, result in rows
    )
    Member.all_objects.update(last_visit_at=None)  # as before the migration

    # when
    with connection.cursor() as cursor:
        cursor.execute(BACKFILL_SQL)

    # then
    expected = dict(
        CheckIn.objects.filter(result="ALLOWED").values("member").annotate(last=Max("at")).values_list("member", "last")
    )
    got = dict(Member.all_objects.filter(last_visit_at__isnull=False).values_list("pk", "last_visit_at"))
    assert got == expected == {came.pk: at(today - days(1), 18)}
    assert last_visit(refused_only) is None and last_visit(never) is None
