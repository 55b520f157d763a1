"""A class page in the portal and its one button: book, join or leave the waitlist, cancel in time or late."""

import pytest

from core.classes.models import Booking
from core.classes.services.bookings import booking_create
from core.classes.services.sessions import session_cancel
from core.notifications.models import Message
from tests.core.classes.builders import give_credits, local, one_off, reload
from tests.portal.classes_support import BOOKINGS, book_url, cancel_url, fill, session_url
from tests.support.classes import TUESDAY
from tests.support.responses import messages_of, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


# --- a class page and its button ------------------------------------------------------------


def test_booking_a_class_with_a_seat_free(rafi, member, yoga_tuesday):
    # given
    page = text(rafi.get(session_url(yoga_tuesday)))
    assert ">Book</button>" in page and "Included in your plan." in page
    assert '<dd id="spots-left">3</dd>' in page
    # when
    response = rafi.post(book_url(yoga_tuesday), follow=True)
    # then
    booking = Booking.objects.get(session=yoga_tuesday, member=member)
    assert booking.status == Booking.Status.BOOKED
    assert messages_of(response) == [
        "You are booked: Yoga on Tue 03 Mar 2026, 18:00 (included in your plan). See you there!"
    ]
    page = text(response)
    assert '<dd id="spots-left">2</dd>' in page
    assert ">Cancel booking</button>" in page and ">Book</button>" not in page
    assert Message.objects.filter(dedupe_key=f"class:booking:{booking.pk}:class_booked").count() == 1


def test_joining_the_waitlist_of_a_full_class_shows_the_place(rafi, member, yoga_tuesday, plan):
    # given: the class is full
    fill(yoga_tuesday, plan, 3)
    page = text(rafi.get(session_url(yoga_tuesday)))
    assert ">Join waitlist</button>" in page and "None: full" in page
    # when
    response = rafi.post(book_url(yoga_tuesday), follow=True)
    # then
    booking = Booking.objects.get(session=yoga_tuesday, member=member)
    assert booking.status == Booking.Status.WAITLISTED
    assert "you joined the waitlist: you are number 1" in messages_of(response)[0]
    page = text(response)
    assert "Waitlist #1" in page and ">Leave waitlist</button>" in page


def test_a_refused_booking_shows_the_reason_and_changes_nothing(rafi, hiit, trainer, room):
    # given: HIIT is not in Rafi's plan and he has no credits
    session = one_off(class_type=hiit, instructor=trainer, room=room, starts_at=local(TUESDAY, 7))
    page = text(rafi.get(session_url(session)))
    assert "does not include HIIT" in page and ">Book</button>" not in page
    # when: he posts anyway (an old page, another tab)
    response = rafi.post(book_url(session), follow=True)
    # then
    assert not Booking.objects.exists()
    [message] = messages_of(response)
    assert "does not include HIIT" in message and "buy a class pack" in message


def test_a_class_credit_is_used_and_shown(rafi, member, hiit, trainer, room):
    # given
    give_credits(member, total=2)
    session = one_off(class_type=hiit, instructor=trainer, room=room, starts_at=local(TUESDAY, 7))
    assert "Uses one class credit." in text(rafi.get(session_url(session)))
    # when
    response = rafi.post(book_url(session), follow=True)
    # then
    assert "(1 class credit used)" in messages_of(response)[0]
    assert "Class credits left: <strong>1</strong>" in text(response)


def test_cancelling_in_time_gives_the_credit_back(rafi, member, hiit, trainer, room):
    # given
    give_credits(member, total=2)
    session = one_off(class_type=hiit, instructor=trainer, room=room, starts_at=local(TUESDAY, 18))
    booking = booking_create(session=session, member=member)
    # when
    response = rafi.post(cancel_url(booking), follow=True)
    # then
    assert reload(booking).status == Booking.Status.CANCELLED
    assert messages_of(response) == ["Booking cancelled: HIIT on Tue 03 Mar 2026, 18:00. Your class credit is back."]
    assert "Class credits left: <strong>2</strong>" in text(response)
    assert ">Book</button>" in text(response)


def test_a_late_cancel_is_warned_about_and_forfeits_the_credit(rafi, member, hiit, trainer, room, clock):
    # given: booked with a credit; then it is 2 hours before the class (cutoff 12 hours)
    give_credits(member, total=2)
    session = one_off(class_type=hiit, instructor=trainer, room=room, starts_at=local(TUESDAY, 18))
    booking = booking_create(session=session, member=member)
    clock.travel(local(TUESDAY, 16))
    # when
    page = text(rafi.get(session_url(session)))
    response = rafi.post(cancel_url(booking), follow=True)
    # then
    assert "cancelling now is a late cancel and the class credit you used is <strong>not</strong> given back" in page
    assert "Cancel booking (late cancel)" in page
    assert reload(booking).late_cancel is True
    assert messages_of(response) == [
        "Booking cancelled: HIIT on Tue 03 Mar 2026, 18:00. It was a late cancel so the class credit is not given back."
    ]
    assert "Class credits left: <strong>1</strong>" in text(response)


def test_leaving_the_waitlist(rafi, member, yoga_tuesday, plan):
    # given
    fill(yoga_tuesday, plan, 3)
    booking = booking_create(session=yoga_tuesday, member=member)
    # when
    response = rafi.post(cancel_url(booking), {"next": BOOKINGS}, follow=True)
    # then
    assert reload(booking).status == Booking.Status.CANCELLED
    assert response.redirect_chain[-1][0] == BOOKINGS
    assert messages_of(response) == ["You left the waitlist for Yoga on Tue 03 Mar 2026, 18:00."]


def test_cancel_never_redirects_off_site(rafi, member, yoga_tuesday):
    booking = booking_create(session=yoga_tuesday, member=member)
    response = rafi.post(cancel_url(booking), {"next": "https://evil.example.com/"})
    assert response.status_code == 302 and response.url == session_url(yoga_tuesday)


def test_a_cancelled_class_shows_the_reason_and_no_button(rafi, yoga_tuesday):
    # given
    session_cancel(session=yoga_tuesday, reason="Studio flooded", by=None)
    # when
    page = text(rafi.get(session_url(yoga_tuesday)))
    # then
    assert "This class is cancelled: Studio flooded" in page
    assert "<button" not in page.split('id="booking"')[1].split("</div>")[0]
    assert rafi.get("/portal/classes/999999/").status_code == 404


def test_a_started_class_can_no_longer_be_booked(rafi, yoga_tuesday, clock):
    # given
    clock.travel(local(TUESDAY, 18, 5))
    # when
    response = rafi.post(book_url(yoga_tuesday), follow=True)
    # then
    assert not Booking.objects.exists()
    assert "it can no longer be booked" in messages_of(response)[0]
