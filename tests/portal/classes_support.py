"""Addresses and a booking helper the portal class test modules share."""

from core.classes.services.bookings import booking_create
from tests.core.classes.builders import make_member

WEEK = "/portal/classes/"
BOOKINGS = "/portal/bookings/"


def session_url(session) -> str:
    return f"/portal/classes/{session.pk}/"


def book_url(session) -> str:
    return f"/portal/classes/{session.pk}/book/"


def cancel_url(booking) -> str:
    return f"/portal/bookings/{booking.pk}/cancel/"


def fill(session, plan, count: int) -> list:
    """``count`` other members book ``session``."""
    return [
        booking_create(session=session, member=make_member(plan=plan, first_name=f"Other{i}")) for i in range(count)
    ]
