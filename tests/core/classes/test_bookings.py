"""booking_create: every rule, credits vs plan inclusion, the waitlist."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.classes.models import Booking
from core.classes.selectors import booking_waitlist_place
from core.classes.services.bookings import booking_create
from core.classes.services.sessions import session_cancel
from core.memberships.freezes import freeze_create
from core.memberships.services import membership_cancel
from core.notifications.models import Message
from tests.core.classes.builders import (
    give_credits,
    local,
    make_member,
    membership_of,
    one_off,
    reload,
)
from tests.core.classes.conftest import MONDAY, TUESDAY

pytestmark = pytest.mark.django_db


def refused(session, member, **kwargs) -> str:
    """Book, expect a refusal with nothing written, return the message."""
    before = Booking.objects.count(), Message.objects.count()
    with pytest.raises(ValidationError) as caught:
        booking_create(session=session, member=member, **kwargs)
    assert (Booking.objects.count(), Message.objects.count()) == before
    return " ".join(caught.value.messages)


def test_a_class_included_in_the_plan_is_booked_without_a_credit(session, member):
    # given
    credit = give_credits(member, total=3)
    # when
    booking = booking_create(session=session, member=member)
    # then
    assert (booking.status, booking.credit, booking.waitlist_position) == ("BOOKED", None, None)
    assert reload(credit).used == 0
    message = Message.objects.get(dedupe_key=f"class:booking:{booking.pk}:class_booked")
    assert (message.template, message.recipient) == ("class_booked", member.user.email)
    assert message.context["class_title"] == "Yoga" and message.context["when"] == "Tue 03 Mar 2026, 18:00"


def test_a_class_not_in_the_plan_uses_the_credit_expiring_first(hiit, trainer, room, member):
    # given
    session = one_off(class_type=hiit, instructor=trainer, room=room, starts_at=local(TUESDAY, 7))
    later = give_credits(member, total=5, expires_on=MONDAY + datetime.timedelta(days=40))
    sooner = give_credits(member, total=2, expires_on=MONDAY + datetime.timedelta(days=10))
    # when
    booking = booking_create(session=session, member=member)
    # then
    assert booking.credit == sooner
    assert (reload(sooner).used, reload(later).used) == (1, 0)


def test_without_a_credit_the_booking_is_refused(hiit, trainer, room, member):
    # given: one credit used up, one that expires the day before the class
    session = one_off(class_type=hiit, instructor=trainer, room=room, starts_at=local(TUESDAY, 7))
    give_credits(member, total=2, used=2)
    give_credits(member, total=5, expires_on=MONDAY)
    # when
    message = refused(session, member)
    # then
    assert message == (
        "Your plan (Monthly) does not include HIIT and you have no class credits valid on 03 Mar 2026; "
        "buy a class pack to book it."
    )


def test_booking_before_the_window_opens_is_refused(yoga, trainer, room, member):
    # given: a class in 10 days; booking opens 7 days before
    session = one_off(
        class_type=yoga, instructor=trainer, room=room, starts_at=local(MONDAY, 18) + datetime.timedelta(days=10)
    )
    # when / then
    assert refused(session, member) == "Booking for this class opens on Thu 05 Mar 2026, 18:00."


def test_booking_after_the_window_closes_is_refused(yoga, trainer, room, member, clock):
    # given: booking closes an hour before the class
    session = one_off(
        class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, 18), booking_closes_minutes=60
    )
    clock.travel(local(TUESDAY, 17, 30))
    # when / then
    assert refused(session, member) == (
        "Booking for this class closed at Tue 03 Mar 2026, 17:00, 60 minutes before the start."
    )


def test_booking_twice_is_refused(session, member):
    # given
    booking_create(session=session, member=member)
    # when / then
    assert refused(session, member) == "You are already booked on this class."


def test_joining_the_waitlist_twice_is_refused(yoga, trainer, room, member, plan):
    # given: a one-seat class someone else holds
    session = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, 18), capacity=1)
    booking_create(session=session, member=make_member(plan=plan))
    booking_create(session=session, member=member)
    # when / then
    assert refused(session, member) == "You are already on the waitlist for this class."


def test_an_expired_membership_is_refused(session, plan):
    # given: a membership that ended yesterday
    lapsed = make_member(plan=plan, starts_on=MONDAY - datetime.timedelta(days=28))
    assert membership_of(lapsed).ends_on == MONDAY - datetime.timedelta(days=1)
    # when / then
    assert refused(session, lapsed).startswith("Your membership is not active today")


def test_a_membership_that_ends_before_the_class_is_refused(yoga, trainer, room, plan):
    # given: the membership's last day is tomorrow; the class is the day after
    member = make_member(plan=plan, starts_on=MONDAY - datetime.timedelta(days=26))
    assert membership_of(member).ends_on == TUESDAY
    session = one_off(
        class_type=yoga, instructor=trainer, room=room, starts_at=local(MONDAY, 18) + datetime.timedelta(days=2)
    )
    # when / then
    assert refused(session, member) == (
        "Your membership does not cover Wed 04 Mar 2026, the day of this class; renew it to book."
    )


def test_a_frozen_membership_is_refused_today_and_on_the_class_day(session, member, plan):
    # given: a freeze from today
    freeze_create(
        membership=membership_of(member), starts_on=MONDAY, ends_on=MONDAY + datetime.timedelta(days=5), reason="Travel"
    )
    # when / then
    assert refused(session, member) == (
        "Your membership is frozen from 02 Mar 2026 to 07 Mar 2026; classes cannot be booked during a freeze."
    )
    # given: another member frozen only on the class day
    other = make_member(plan=plan)
    freeze_create(membership=membership_of(other), starts_on=TUESDAY, ends_on=TUESDAY, reason="Exam")
    # when / then
    assert "frozen from 03 Mar 2026 to 03 Mar 2026" in refused(session, other)


def test_a_cancelled_membership_is_refused(session, member):
    # given
    membership_cancel(membership=membership_of(member), reason="Moved away")
    # when / then
    assert refused(session, member).startswith("Your membership is not active today")


def test_a_cancelled_class_is_refused(session, member, staff):
    # given
    session_cancel(session=session, reason="Instructor ill", by=staff)
    # when / then
    assert refused(session, member) == "This class was cancelled (Instructor ill); it cannot be booked."


def test_a_class_that_started_is_refused(session, member, clock):
    # given
    clock.travel(local(TUESDAY, 18, 5))
    # when / then
    assert refused(session, member) == "This class started at Tue 03 Mar 2026, 18:00; it can no longer be booked."


def test_the_weekly_limit_counts_the_same_class_type_in_the_same_week(yoga, hiit, trainer, room, member):
    # given: yoga at most once a week; the member has Tuesday's yoga
    at = {"class_type": yoga, "instructor": trainer, "room": room, "weekly_limit": 1, "booking_opens_days": 14}
    tuesday = one_off(starts_at=local(TUESDAY, 18), **at)
    thursday = one_off(starts_at=local(MONDAY, 18) + datetime.timedelta(days=3), **at)
    next_week = one_off(starts_at=local(MONDAY, 18) + datetime.timedelta(days=7), **at)
    booking_create(session=tuesday, member=member)
    # when / then
    assert refused(thursday, member) == (
        "You already have 1 Yoga booking in the week of 02 Mar 2026; the limit is 1 a week."
    )
    assert booking_create(session=next_week, member=member).status == "BOOKED"


def test_a_member_cannot_book_for_someone_else(session, member, plan):
    # given
    other = make_member(plan=plan)
    # when / then
    with pytest.raises(PermissionDenied):
        booking_create(session=session, member=other, by=member.user)
    assert not Booking.objects.exists()


def test_a_full_class_puts_members_on_the_waitlist_without_using_a_credit(hiit, trainer, room, plan):
    # given: two seats, four members with credits
    session = one_off(class_type=hiit, instructor=trainer, room=room, starts_at=local(TUESDAY, 7), capacity=2)
    members = [make_member(plan=plan) for _ in range(4)]
    credits = [give_credits(m, total=1) for m in members]
    # when
    bookings = [booking_create(session=session, member=m) for m in members]
    # then
    assert [b.status for b in bookings] == ["BOOKED", "BOOKED", "WAITLISTED", "WAITLISTED"]
    assert [b.waitlist_position for b in bookings] == [None, None, 1, 2]
    assert [booking_waitlist_place(booking=b) for b in bookings[2:]] == [1, 2]
    assert [reload(c).used for c in credits] == [1, 1, 0, 0]
    message = Message.objects.get(dedupe_key=f"class:booking:{bookings[3].pk}:waitlisted")
    assert message.context["place"] == 2
