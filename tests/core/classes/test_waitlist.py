"""Cancelling a booking: credits back or forfeited, and the waitlist moving up."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from core.classes.models import Booking
from core.classes.selectors import booking_waitlist_place
from core.classes.services.bookings import booking_cancel, booking_create
from core.classes.services.sessions import session_reschedule, session_set_capacity
from core.classes.services.waitlist import waitlist_release_started
from core.memberships.services import membership_cancel
from core.notifications.models import Message
from tests.core.classes.builders import give_credits, local, make_member, membership_of, one_off, reload
from tests.core.classes.conftest import TUESDAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def hiit_session(hiit, trainer, room):
    """HIIT (credits needed) on Tuesday 18:00, 12-hour cancel cutoff, one seat."""
    return one_off(class_type=hiit, instructor=trainer, room=room, starts_at=local(TUESDAY, 18), capacity=1)


def members_with_credit(plan, n: int) -> list:
    members = [make_member(plan=plan, first_name=f"Member{i}") for i in range(n)]
    for m in members:
        give_credits(m, total=2)
    return members


def messages(template: str, member) -> int:
    return Message.objects.filter(template=template, recipient=member.user.email).count()


def test_cancelling_before_the_cutoff_gives_the_credit_back(hiit_session, member):
    # given
    credit = give_credits(member, total=3)
    booking = booking_create(session=hiit_session, member=member)
    assert reload(credit).used == 1
    # when: Monday 09:00, well before Tuesday 06:00
    cancelled = booking_cancel(booking=booking, by=member.user)
    # then
    assert (cancelled.status, cancelled.late_cancel, cancelled.credit_returned) == ("CANCELLED", False, True)
    assert reload(credit).used == 0


def test_cancelling_after_the_cutoff_is_a_late_cancel_and_forfeits_the_credit(hiit_session, member, clock):
    # given
    credit = give_credits(member, total=3)
    booking = booking_create(session=hiit_session, member=member)
    clock.travel(local(TUESDAY, 7))
    # when
    cancelled = booking_cancel(booking=booking, by=member.user)
    # then
    assert (cancelled.status, cancelled.late_cancel, cancelled.credit_returned) == ("CANCELLED", True, False)
    assert reload(credit).used == 1


def test_a_class_moved_after_booking_can_be_cancelled_late_without_penalty(hiit_session, member, staff, clock):
    # given: booked, then the gym moves the class
    credit = give_credits(member, total=3)
    booking = booking_create(session=hiit_session, member=member)
    clock.advance(hours=1)
    session_reschedule(session=hiit_session, starts_at=local(TUESDAY, 19), reason="Floor repair", by=staff)
    clock.travel(local(TUESDAY, 12))
    # when
    cancelled = booking_cancel(booking=booking, by=member.user)
    # then
    assert (cancelled.late_cancel, reload(credit).used) == (False, 0)


def test_a_booking_cannot_be_cancelled_twice_or_after_the_start(hiit_session, plan, clock):
    # given
    first, second = members_with_credit(plan, 2)
    done = booking_cancel(booking=booking_create(session=hiit_session, member=first), by=None)
    held = booking_create(session=hiit_session, member=second)
    # when / then
    with pytest.raises(ValidationError, match="already cancelled"):
        booking_cancel(booking=done, by=None)
    clock.travel(local(TUESDAY, 18, 1))
    with pytest.raises(ValidationError, match="has started"):
        booking_cancel(booking=held, by=None)
    assert reload(held).status == "BOOKED"


def test_a_freed_seat_goes_to_the_first_on_the_waitlist_who_is_told_once(hiit_session, plan):
    # given: A holds the seat; B, C, D wait in that order
    a, b, c, d = members_with_credit(plan, 4)
    seat = booking_create(session=hiit_session, member=a)
    waiting = [booking_create(session=hiit_session, member=m) for m in (b, c, d)]
    # when
    booking_cancel(booking=seat, by=a.user)
    # then: B has the seat and used a credit; C and D moved up
    promoted = reload(waiting[0])
    assert (promoted.status, promoted.promoted, promoted.credit.used) == ("BOOKED", True, 1)
    assert [booking_waitlist_place(booking=reload(w)) for w in waiting[1:]] == [1, 2]
    assert messages("promoted_from_waitlist", b) == 1
    assert messages("promoted_from_waitlist", c) == 0
    # when: B cancels too; C gets the seat, B is not told again
    booking_cancel(booking=promoted, by=b.user)
    # then
    assert reload(waiting[1]).status == "BOOKED"
    assert (messages("promoted_from_waitlist", b), messages("promoted_from_waitlist", c)) == (1, 1)


def test_leaving_the_waitlist_promotes_nobody(hiit_session, plan):
    # given
    a, b, c = members_with_credit(plan, 3)
    booking_create(session=hiit_session, member=a)
    b_wait = booking_create(session=hiit_session, member=b)
    c_wait = booking_create(session=hiit_session, member=c)
    # when
    booking_cancel(booking=b_wait, by=b.user)
    # then
    assert reload(c_wait).status == "WAITLISTED" and booking_waitlist_place(booking=reload(c_wait)) == 1
    assert not Message.objects.filter(template="promoted_from_waitlist").exists()


def test_someone_who_can_no_longer_book_is_released_and_the_next_promoted(hiit_session, plan):
    # given: B waits first but their membership is cancelled; C waits second
    a, b, c = members_with_credit(plan, 3)
    seat = booking_create(session=hiit_session, member=a)
    b_wait = booking_create(session=hiit_session, member=b)
    c_wait = booking_create(session=hiit_session, member=c)
    membership_cancel(membership=membership_of(b), reason="Moved away")
    # when
    booking_cancel(booking=seat, by=a.user)
    # then
    released, promoted = reload(b_wait), reload(c_wait)
    assert released.status == "CANCELLED"
    assert released.cancel_reason.startswith("We could not give you the freed seat: Your membership is not active")
    assert promoted.status == "BOOKED"
    assert messages("waitlist_released", b) == 1 and messages("promoted_from_waitlist", c) == 1


def test_more_seats_go_to_the_waitlist_at_once(hiit_session, plan, staff):
    # given
    a, b, c = members_with_credit(plan, 3)
    booking_create(session=hiit_session, member=a)
    waits = [booking_create(session=hiit_session, member=m) for m in (b, c)]
    # when
    session_set_capacity(session=hiit_session, capacity=3, by=staff)
    # then
    assert [reload(w).status for w in waits] == ["BOOKED", "BOOKED"]


def test_waitlists_of_started_classes_are_released_once(hiit_session, plan, clock):
    # given
    a, b, c = members_with_credit(plan, 3)
    booking_create(session=hiit_session, member=a)
    waits = [booking_create(session=hiit_session, member=m) for m in (b, c)]
    assert waitlist_release_started() == 0
    clock.travel(local(TUESDAY, 18) + datetime.timedelta(minutes=10))
    # when
    first = waitlist_release_started()
    second = waitlist_release_started()
    # then
    assert (first, second) == (2, 0)
    assert [reload(w).status for w in waits] == ["CANCELLED", "CANCELLED"]
    assert reload(waits[0]).cancel_reason == "The class started before a seat became free."
    assert (messages("waitlist_released", b), messages("waitlist_released", c)) == (1, 1)
    assert Booking.objects.get(member=a).status == "BOOKED"
