"""A class session's roster in the admin (booking in, attendance, cancelling) and the bookings list."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from core.classes.models import Booking
from core.notifications.models import Message
from tests.admin_site.classes_support import BOOKINGS, roster_url
from tests.core.classes.builders import local, make_member, one_off, reload
from tests.support.classes import TUESDAY
from tests.support.responses import messages_of, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


# --- the roster -----------------------------------------------------------------------------------


def test_the_roster_lists_seats_then_the_waitlist_with_no_shows(as_support, full_class):
    # when
    page = text(as_support.get(roster_url(full_class[0])))
    # then
    assert page.index("Mitu") < page.index("Rafi") < page.index("Karim")  # seats by name, then the waitlist
    assert "#1" in page and "2/2 booked" in page and "1 on the waitlist" in page
    assert "No-shows" in page and "Attendance can be marked once the class starts." in page


def test_support_books_a_member_in_by_code(as_support, yoga_tuesday, plan):
    # given
    member = make_member(plan=plan, first_name="Nadia")
    # when
    response = as_support.post(
        roster_url(yoga_tuesday), {"op": "book", "member_code": member.code.lower()}, follow=True
    )
    # then
    assert Booking.objects.get(session=yoga_tuesday, member=member).status == "BOOKED"
    assert f"Nadia {member.user.last_name} ({member.code}) is booked on Yoga." in messages_of(response)


def test_booking_in_an_unknown_code_or_a_refused_member_shows_why(as_support, full_class, plan):
    # given
    session, bookings = full_class
    # when
    unknown = as_support.post(roster_url(session), {"op": "book", "member_code": "M99999"})
    twice = as_support.post(roster_url(session), {"op": "book", "member_code": bookings[0].member.code})
    # then
    assert "No member has the code “M99999”." in text(unknown)
    assert "You are already booked on this class." in text(twice)
    assert Booking.objects.count() == 3


def test_support_marks_attendance_after_the_start(as_support, full_class, clock):
    # given
    session, bookings = full_class
    # when: before the class, the buttons are not offered and a post is refused
    early = as_support.post(roster_url(session), {"op": "attended", "booking": bookings[0].pk}, follow=True)
    clock.travel(local(TUESDAY, 18, 30))
    page = text(as_support.get(roster_url(session)))
    as_support.post(roster_url(session), {"op": "attended", "booking": bookings[0].pk})
    as_support.post(roster_url(session), {"op": "no_show", "booking": bookings[1].pk})
    # then
    assert "Attendance can be marked once the class starts" in messages_of(early)[0]
    assert 'value="attended"' in page and 'value="no_show"' in page
    assert [reload(b).status for b in bookings[:2]] == ["ATTENDED", "NO_SHOW"]
    assert "<strong>1</strong>" in text(as_support.get(roster_url(session)))  # Mitu's no-show count


def test_cancelling_a_booking_on_the_roster_promotes_the_waitlist(as_support, full_class):
    session, bookings = full_class
    as_support.post(roster_url(session), {"op": "cancel", "booking": bookings[0].pk})
    assert [reload(b).status for b in bookings] == ["CANCELLED", "BOOKED", "BOOKED"]
    assert Message.objects.filter(template="promoted_from_waitlist", recipient=bookings[2].member.user.email).exists()


def test_a_booking_of_another_class_is_not_found_on_the_roster(as_support, full_class, yoga, trainer, room):
    session, bookings = full_class
    other = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, 7))
    response = as_support.post(roster_url(other), {"op": "cancel", "booking": bookings[0].pk})
    assert response.status_code == 404
    assert reload(bookings[0]).status == "BOOKED"


# --- the bookings list ------------------------------------------------------------------------------


def test_cancel_bookings_from_the_list(as_support, full_class):
    # given
    session, bookings = full_class
    action = {"action": "cancel_bookings", ACTION_CHECKBOX_NAME: [bookings[1].pk]}
    # when
    response = as_support.post(BOOKINGS, {**action, "_apply": "1", "reason": "Called the desk"}, follow=True)
    # then
    assert reload(bookings[1]).status == "CANCELLED" and reload(bookings[1]).cancel_reason == "Called the desk"
    assert reload(bookings[2]).status == "BOOKED"
    assert "1 booking(s) cancelled." in messages_of(response)
    page = text(as_support.get(f"{BOOKINGS}?status__exact=CANCELLED"))
    assert bookings[1].member.code in page and bookings[0].member.code not in page
