"""The member's class timetable: who may open the class pages, and the week with places, filters, my place."""

import datetime

import pytest

from core.classes.models import Booking
from core.classes.services.bookings import booking_create
from core.classes.services.sessions import session_cancel
from fixtures.factories import TrainerUserFactory
from tests.core.classes.builders import give_credits, local, make_member, one_off, reload
from tests.portal.classes_support import BOOKINGS, WEEK, book_url, cancel_url, fill, session_url
from tests.support.classes import MONDAY, TUESDAY
from tests.support.responses import text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


# --- who may open the pages ---------------------------------------------------------------


@pytest.mark.parametrize("path", [WEEK, "/portal/classes/1/", BOOKINGS])
def test_anonymous_is_sent_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={path}"


def test_anonymous_cannot_book(client, yoga_tuesday):
    response = client.post(book_url(yoga_tuesday))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert not Booking.objects.exists()


@pytest.mark.parametrize("role", ["trainer_user", "support_user", "admin_user"])
def test_other_roles_get_403_on_the_member_pages(client, request, role, yoga_tuesday):
    # given
    client.force_login(request.getfixturevalue(role))
    # when / then
    for path in (WEEK, session_url(yoga_tuesday), BOOKINGS):
        assert client.get(path).status_code == 403, path
    assert client.post(book_url(yoga_tuesday)).status_code == 403
    assert not Booking.objects.exists()


def test_a_member_cannot_cancel_another_members_booking(client, yoga_tuesday, plan, member):
    # given: Mitu's booking, and Rafi logged in
    theirs = booking_create(session=yoga_tuesday, member=make_member(plan=plan, first_name="Mitu"))
    client.force_login(member.user)
    # when
    response = client.post(cancel_url(theirs))
    # then
    assert response.status_code == 404
    assert reload(theirs).status == Booking.Status.BOOKED


def test_the_pages_only_answer_the_right_methods(rafi, yoga_tuesday):
    assert rafi.get(book_url(yoga_tuesday)).status_code == 405
    assert rafi.post(WEEK).status_code == 405


# --- the week's timetable -----------------------------------------------------------------


def test_the_week_lists_each_class_in_gym_time_with_its_places(rafi, yoga_tuesday, hiit, trainer, room, plan):
    # given: a full HIIT class with one member waiting, and a cancelled one
    full = one_off(class_type=hiit, instructor=trainer, room=room, starts_at=local(TUESDAY, 7), capacity=1)
    for other in (make_member(plan=plan, first_name="A"), make_member(plan=plan, first_name="B")):
        give_credits(other)
        booking_create(session=full, member=other)
    called_off = one_off(
        class_type=hiit, instructor=trainer, room=room, starts_at=local(TUESDAY + datetime.timedelta(days=2), 7)
    )
    session_cancel(session=called_off, reason="Instructor unwell", by=None)
    # when
    page = text(rafi.get(WEEK))
    # then
    assert "2 Mar &ndash; 8 Mar 2026" in page
    assert "18:00&ndash;19:00" in page and "Yoga" in page and "Studio A" in page and "Tanvir" in page
    assert "3 spots left" in page
    assert "Full" in page and "1 waiting" in page
    assert 'class="session cancelled"' in page and "Cancelled: Instructor unwell" in page
    assert "Class credits left: <strong>0</strong>" in page


def test_times_are_shown_in_the_gym_time_zone(rafi, yoga, trainer, room):
    # given: a class at 06:30 Dhaka time, which is 00:30 UTC
    one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, 6, 30))
    # when
    page = text(rafi.get(WEEK))
    # then
    assert "06:30&ndash;07:30" in page
    assert "00:30" not in page


def test_the_week_moves_back_and_forth_and_ignores_a_bad_date(rafi, yoga, trainer, room):
    # given: a class next week
    one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(MONDAY + datetime.timedelta(days=8), 18))
    # when
    this_week = text(rafi.get(WEEK))
    next_week = text(rafi.get(WEEK, {"week": "2026-03-11"}))
    garbage = text(rafi.get(WEEK, {"week": "not-a-date"}))
    far = text(rafi.get(WEEK, {"week": "9999-12-31"}))
    # then
    assert "?week=2026-02-23" in this_week and "?week=2026-03-09" in this_week
    assert "9 Mar &ndash; 15 Mar 2026" in next_week and "Yoga" in next_week
    assert "2 Mar &ndash; 8 Mar 2026" in garbage and "2 Mar &ndash; 8 Mar 2026" in far


def test_the_week_filters_by_tag_and_instructor(rafi, yoga_tuesday, hiit, room):
    # given: HIIT (cardio) with another trainer
    nadia = TrainerUserFactory(first_name="Nadia", last_name="Karim")
    one_off(class_type=hiit, instructor=nadia, room=room, starts_at=local(TUESDAY, 7))
    # when
    cardio = text(rafi.get(WEEK, {"tag": "CARDIO", "week": "2026-03-02"}))
    by_nadia = text(rafi.get(WEEK, {"instructor": nadia.pk}))
    # then
    assert "HIIT</a>" in cardio and "Yoga</a>" not in cardio
    assert "HIIT</a>" in by_nadia and "Yoga</a>" not in by_nadia
    assert f'<option value="{nadia.pk}" selected>Nadia Karim</option>' in by_nadia
    # and the week links keep the filter
    assert "tag=CARDIO" in cardio.split('rel="next"')[0]


def test_the_week_shows_my_booking_and_waitlist_place(rafi, member, yoga_tuesday, plan):
    # given: Rafi waits second for a full class
    fill(yoga_tuesday, plan, 4)
    booking_create(session=yoga_tuesday, member=member)
    # when
    page = text(rafi.get(WEEK))
    # then
    assert "Waitlist #2" in page and "2 waiting" in page
