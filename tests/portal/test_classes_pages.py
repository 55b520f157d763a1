"""The member's class pages: the week's timetable, a class page with its one
button (book, join the waitlist, cancel), my bookings; through the portal
views with the test client. The clock stands at Monday 2 March 2026, 09:00
gym time (Asia/Dhaka)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.classes.models import Booking
from core.classes.services.bookings import booking_create
from core.classes.services.sessions import session_cancel
from core.notifications.models import Message
from fixtures.factories import TrainerUserFactory
from tests.core.classes.builders import (
    Clock,
    give_credits,
    local,
    make_class_type,
    make_member,
    make_plan,
    make_room,
    make_trainer,
    one_off,
    reload,
)

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 3, 2)
TUESDAY = MONDAY + datetime.timedelta(days=1)
WEEK = "/portal/classes/"
BOOKINGS = "/portal/bookings/"


def session_url(session) -> str:
    return f"/portal/classes/{session.pk}/"


def book_url(session) -> str:
    return f"/portal/classes/{session.pk}/book/"


def cancel_url(booking) -> str:
    return f"/portal/bookings/{booking.pk}/cancel/"


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture(autouse=True)
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch, local(MONDAY, 9))


@pytest.fixture
def plan(db):
    return make_plan(name="Monthly")


@pytest.fixture
def room(db):
    return make_room(name="Studio A", capacity=20)


@pytest.fixture
def trainer(db):
    return make_trainer("Tanvir")


@pytest.fixture
def yoga(plan):
    """Included in ``plan``: no credit needed."""
    return make_class_type(title="Yoga", tags=("mind-body",), plans=(plan,))


@pytest.fixture
def hiit(db):
    """In no plan: a booking uses a class credit."""
    return make_class_type(title="HIIT", tags=("cardio",))


@pytest.fixture
def member(plan):
    return make_member(plan=plan, first_name="Rafi")


@pytest.fixture
def rafi(client, member):
    """The test client, logged in as the member Rafi."""
    client.force_login(member.user)
    return client


@pytest.fixture
def yoga_tuesday(yoga, trainer, room):
    """Yoga on Tuesday 3 March 18:00-19:00, 3 seats, 12-hour cancel cutoff."""
    return one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, 18), capacity=3)


def fill(session, plan, count: int) -> list:
    """``count`` other members book ``session``."""
    return [
        booking_create(session=session, member=make_member(plan=plan, first_name=f"Other{i}")) for i in range(count)
    ]


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


# --- my bookings ----------------------------------------------------------------------------


def test_my_bookings_lists_upcoming_and_past_with_statuses(rafi, member, yoga, trainer, room, plan, clock):
    # given: a class this morning (attended later), one tomorrow, and a waitlist place
    early = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(MONDAY, 11))
    booking_create(session=early, member=member)
    tomorrow = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, 18))
    booking_create(session=tomorrow, member=member)
    full = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, 20), capacity=1)
    fill(full, plan, 1)
    booking_create(session=full, member=member)
    clock.travel(local(MONDAY, 13))
    # when
    page = text(rafi.get(BOOKINGS))
    # then
    upcoming, past = page.split("<h2>Past</h2>")
    assert "Tue 3 Mar, 18:00" in upcoming and "Booked" in upcoming
    assert "Tue 3 Mar, 20:00" in upcoming and "Waitlist #1" in upcoming and "Leave waitlist" in upcoming
    assert "Mon 2 Mar 2026, 11:00" in past and "Booked" in past


def test_my_bookings_without_any(rafi):
    page = text(rafi.get(BOOKINGS))
    assert "No classes booked." in page and "No past classes yet." in page


def test_member_home_has_a_classes_card_with_credits(rafi, member):
    give_credits(member, total=4)
    page = text(rafi.get("/portal/member/"))
    assert "<h2>Classes</h2>" in page and "Class credits left: <strong>4</strong>" in page
    assert 'href="/portal/classes/"' in page and 'href="/portal/bookings/"' in page


# --- fixed query counts ---------------------------------------------------------------------


def _sessions(n: int, *, yoga, trainer, plan) -> list:
    """``n`` classes from Tuesday to Sunday (10:00, 11:00... on each day), in rooms of their own."""
    room = make_room(capacity=20)
    sessions = []
    for i in range(n):
        day = TUESDAY + datetime.timedelta(days=i % 6)
        sessions.append(one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(day, 10 + i // 6)))
    return sessions


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_the_week_costs_the_same_queries_for_5_or_30_classes(client, yoga, trainer, plan):
    # given: two members, one seeing 5 classes in the week (2 booked), one with 30 (10 booked, 1 waitlisted)
    small, big = make_member(plan=plan, first_name="Small"), make_member(plan=plan, first_name="Big")
    few = _sessions(5, yoga=yoga, trainer=trainer, plan=plan)
    for session in few[:2]:
        booking_create(session=session, member=small)
    client.force_login(small.user)
    _queries(client, WEEK)  # warm caches
    small_count = _queries(client, WEEK)
    many = _sessions(25, yoga=yoga, trainer=make_trainer("Second"), plan=plan)
    for session in many[:10]:
        booking_create(session=session, member=big)
    # when
    client.force_login(big.user)
    big_count = _queries(client, WEEK)
    # then
    assert "Yoga" in text(client.get(WEEK))
    assert big_count == small_count


def test_my_bookings_costs_the_same_queries_for_2_or_12_bookings(client, yoga, trainer, plan):
    # given
    small, big = make_member(plan=plan, first_name="Small"), make_member(plan=plan, first_name="Big")
    sessions = _sessions(12, yoga=yoga, trainer=trainer, plan=plan)
    for session in sessions[:2]:
        booking_create(session=session, member=small)
    for session in sessions:
        booking_create(session=session, member=big)
    client.force_login(small.user)
    _queries(client, BOOKINGS)
    small_count = _queries(client, BOOKINGS)
    # when
    client.force_login(big.user)
    big_count = _queries(client, BOOKINGS)
    # then
    assert big_count == small_count
