"""No overbooking under load: 50 members book a 10-seat class at once, each
from its own thread on its own database connection (real transactions)."""

import pytest
from django.db import connection

from core.classes.models import Booking
from core.classes.services.bookings import booking_create
from core.notifications.models import Message
from tests.core.classes.builders import local, many_members, one_off, run_in_threads
from tests.core.classes.conftest import TUESDAY

pytestmark = pytest.mark.django_db(transaction=True)
MEMBERS = 50
SEATS = 10


def test_fifty_concurrent_bookings_fill_ten_seats_and_queue_forty_in_order(yoga, trainer, room, plan):
    # given
    session = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, 18), capacity=SEATS)
    members = many_members(MEMBERS, plan=plan)
    connection.close()  # the threads must not share the main thread's connection

    # when
    results = run_in_threads(MEMBERS, lambda i: booking_create(session=session, member=members[i]), timeout=60)

    # then: nobody failed, exactly ten seats taken, forty waiting
    assert [r for r in results if not isinstance(r, Booking)] == []
    booked = list(Booking.objects.filter(session=session, status="BOOKED").order_by("pk"))
    waiting = list(Booking.objects.filter(session=session, status="WAITLISTED").order_by("pk"))
    assert (len(booked), len(waiting)) == (SEATS, MEMBERS - SEATS)
    # positions 1..40, no gaps or duplicates, handed out in the order the lock was taken
    assert [b.waitlist_position for b in waiting] == list(range(1, MEMBERS - SEATS + 1))
    assert max(b.pk for b in booked) < min(b.pk for b in waiting)
    assert len({b.member_id for b in booked + waiting}) == MEMBERS
    assert Message.objects.filter(template="class_booked").count() == SEATS
    assert Message.objects.filter(template="waitlisted").count() == MEMBERS - SEATS
