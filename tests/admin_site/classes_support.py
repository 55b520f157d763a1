"""Addresses the classes admin test modules share."""

SESSIONS = "/admin/classes/classsession/"
SCHEDULES = "/admin/classes/classschedule/"
BOOKINGS = "/admin/classes/booking/"


def roster_url(session) -> str:
    return f"{SESSIONS}{session.pk}/roster/"
