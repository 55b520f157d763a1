"""My bookings and the home page's classes card in the portal, and fixed query counts of the class pages."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.classes.services.bookings import booking_create
from tests.core.classes.builders import give_credits, local, make_member, make_room, make_trainer, one_off
from tests.portal.classes_support import BOOKINGS, WEEK, fill
from tests.support.classes import MONDAY, TUESDAY
from tests.support.responses import text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


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
