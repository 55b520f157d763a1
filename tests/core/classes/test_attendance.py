"""Attendance: marked once the class starts, by staff or its instructor; no-shows counted."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.classes.selectors import member_no_show_count, members_with_no_show_counts
from core.classes.services.attendance import attendance_mark
from core.classes.services.bookings import booking_cancel, booking_create
from core.members.models import Member
from tests.core.classes.builders import local, make_member, make_trainer, one_off
from tests.core.classes.conftest import TUESDAY

pytestmark = pytest.mark.django_db


def test_attendance_is_marked_after_the_start_and_can_be_corrected(session, member, trainer, clock):
    # given
    booking = booking_create(session=session, member=member)
    # when / then: not before the class starts
    with pytest.raises(ValidationError, match="once the class starts"):
        attendance_mark(booking=booking, status="ATTENDED", by=trainer)
    clock.travel(local(TUESDAY, 18, 10))
    marked = attendance_mark(booking=booking, status="NO_SHOW", by=trainer)
    assert (marked.status, marked.attendance_marked_at, marked.changed_by) == ("NO_SHOW", clock.now, trainer)
    corrected = attendance_mark(booking=booking, status="ATTENDED", by=trainer)
    assert corrected.status == "ATTENDED"


def test_only_booked_members_are_marked_by_staff_or_the_instructor(session, member, plan, clock):
    # given
    cancelled = booking_cancel(booking=booking_create(session=session, member=member), by=None)
    other = booking_create(session=session, member=make_member(plan=plan))
    clock.travel(local(TUESDAY, 19))
    # when / then
    with pytest.raises(ValidationError, match="only booked members are marked"):
        attendance_mark(booking=cancelled, status="ATTENDED", by=None)
    with pytest.raises(PermissionDenied):
        attendance_mark(booking=other, status="ATTENDED", by=make_trainer("Nusrat"))
    with pytest.raises(ValidationError, match="attended or as a no-show"):
        attendance_mark(booking=other, status="CANCELLED", by=None)


def test_no_shows_are_counted_per_member(yoga, trainer, room, member, plan, clock):
    # given: the member misses two classes and attends one; another member attends
    sessions = [
        one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, h)) for h in (7, 9, 11)
    ]
    regular = make_member(plan=plan)
    bookings = [booking_create(session=s, member=member) for s in sessions]
    theirs = booking_create(session=sessions[0], member=regular)
    clock.travel(local(TUESDAY, 13))
    for booking, status in zip(bookings, ["NO_SHOW", "ATTENDED", "NO_SHOW"], strict=True):
        attendance_mark(booking=booking, status=status, by=trainer)
    attendance_mark(booking=theirs, status="ATTENDED", by=trainer)
    # when
    count = member_no_show_count(member=member)
    annotated = dict(members_with_no_show_counts(Member.objects.all()).values_list("pk", "no_show_count"))
    # then
    assert count == 2
    assert annotated == {member.pk: 2, regular.pk: 0}
