"""Desk check-ins and the live view: who is in now, today's check-ins."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.attendance.models import CheckIn
from core.attendance.selectors import checkin_counts, checkins_on, who_is_in_now
from core.attendance.services import PunchIn, checkin_manual, checkins_record_punches
from tests.core.members.builders import days, make_member, sell

pytestmark = pytest.mark.django_db


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def test_staff_check_a_member_in_at_the_desk(plan, today, support_user):
    # given
    member = make_member()
    sell(member, plan, today - days(3))

    # when
    checkin = checkin_manual(member=member, by=support_user, note="Forgot finger", at=at(today, 9))

    # then
    assert (checkin.source, checkin.result, checkin.reason) == (CheckIn.Source.MANUAL, "ALLOWED", "")
    assert checkin.created_by == support_user
    assert checkin.note == "Forgot finger"


def test_a_second_desk_check_in_within_minutes_is_refused(plan, today, support_user):
    # given
    member = make_member()
    sell(member, plan, today - days(3))
    checkin_manual(member=member, by=support_user, at=at(today, 9))

    # when / then
    with pytest.raises(ValidationError, match="already checked in"):
        checkin_manual(member=member, by=support_user, at=at(today, 9, 2))
    assert CheckIn.objects.count() == 1


def test_a_desk_check_in_of_a_lapsed_member_is_recorded_as_denied(plan, today, support_user):
    # given
    member = make_member()
    sell(member, plan, today - days(45))

    # when
    checkin = checkin_manual(member=member, by=support_user, at=at(today, 9))

    # then
    assert (checkin.result, checkin.reason) == ("DENIED", CheckIn.Reason.EXPIRED)


def test_who_is_in_now_lists_members_let_in_recently_once_each(plan, today, support_user, settings):
    # given
    settings.CHECKIN_PRESENCE_MINUTES = 120
    now = at(today, 18)
    ann, bob, cy = (make_member(biometric_id=str(i)) for i in (1, 2, 3))
    for m in (ann, bob):
        sell(m, plan, today - days(3))
    checkins_record_punches(
        punches=[
            PunchIn("1", at(today, 17, 0)),  # Ann, an hour ago
            PunchIn("1", at(today, 17, 30)),  # and again (a second visit)
            PunchIn("2", at(today, 15, 0)),  # Bob, three hours ago: gone
            PunchIn("3", at(today, 17, 45)),  # Cy, refused (no membership)
        ]
    )

    # when
    present = who_is_in_now(now=now)

    # then
    assert [c.member for c in present] == [ann]
    assert present[0].at == at(today, 17, 30)


def test_todays_check_ins_newest_first_with_counts(plan, today, support_user):
    # given
    member = make_member(biometric_id="4")
    sell(member, plan, today - days(3))
    checkins_record_punches(
        punches=[PunchIn("4", at(today, 7)), PunchIn("x", at(today, 8)), PunchIn("4", at(today - days(1), 9))]
    )

    # when
    rows = list(checkins_on(day=today))
    counts = checkin_counts(day=today)

    # then
    assert [c.at for c in rows] == [at(today, 8), at(today, 7)]
    assert counts == {"allowed": 1, "denied": 1}
