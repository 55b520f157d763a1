"""Booking is the busiest write: its query count must not grow with a member's
history or with the length of a class's waitlist (issue 11's throughput)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.classes.models import Booking
from core.classes.services.bookings import booking_create
from tests.core.classes.builders import local, make_member, one_off
from tests.core.classes.conftest import TUESDAY

pytestmark = pytest.mark.django_db
WEDNESDAY = TUESDAY + datetime.timedelta(days=1)


def queries_to_book(session, member) -> tuple[int, Booking]:
    with CaptureQueriesContext(connection) as ctx:
        booking = booking_create(session=session, member=member)
    return len(ctx.captured_queries), booking


def test_a_member_with_many_bookings_books_in_as_many_queries_as_a_new_one(yoga, trainer, room, plan):
    # given: a new member, and a regular with ten classes booked on Tuesday
    newcomer = make_member(plan=plan, first_name="Nadia")
    regular = make_member(plan=plan, first_name="Karim")
    for hour in range(8, 18):
        tuesday = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, hour))
        booking_create(session=tuesday, member=regular)
    first = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(WEDNESDAY, 7))
    second = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(WEDNESDAY, 9))
    # when
    for_newcomer, booked_newcomer = queries_to_book(first, newcomer)
    for_regular, booked_regular = queries_to_book(second, regular)
    # then: both are booked, in the same number of queries
    assert (booked_newcomer.status, booked_regular.status) == ("BOOKED", "BOOKED")
    assert for_newcomer == for_regular


def test_a_waitlist_place_costs_the_same_queries_on_a_short_and_a_long_waitlist(yoga, trainer, room, plan):
    # given: two one-seat classes, one with a single member waiting and one with eight
    short = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(WEDNESDAY, 7), capacity=1)
    long = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(WEDNESDAY, 9), capacity=1)
    for session, waiting in ((short, 1), (long, 8)):
        for i in range(1 + waiting):
            booking_create(session=session, member=make_member(plan=plan, first_name=f"Early{i}"))
    late_short, late_long = make_member(plan=plan, first_name="Late"), make_member(plan=plan, first_name="Later")
    # when
    on_short, waiting_short = queries_to_book(short, late_short)
    on_long, waiting_long = queries_to_book(long, late_long)
    # then: each joins the end of its waitlist, in the same number of queries
    assert (waiting_short.waitlist_position, waiting_long.waitlist_position) == (2, 9)
    assert on_short == on_long
