"""The waitlist: promotion into freed seats, and releasing members who can
no longer get a seat.

Promotion runs inside the transaction that freed the seat (a cancellation,
a capacity increase), under the session lock. Candidates are taken in
waitlist order; one who can no longer be booked (membership lapsed or
frozen, no credit left) is released with the reason and the next is tried.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.classes.models import Booking, ClassSession
from core.classes.rules import check_can_pay, check_membership
from core.classes.services.common import credit_consume, lock_member, lock_session, seats_taken
from core.classes.services.notify import PROMOTED, WAITLIST_RELEASED, notify_booking

STARTED_REASON = "The class started before a seat became free."


def waitlist_release(booking: Booking, *, reason: str, now: datetime.datetime) -> Booking:
    """Take a waitlisted booking off the list and tell the member why."""
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = now
    booking.cancel_reason = reason[:255]
    booking.full_clean()
    booking.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    notify_booking(booking, WAITLIST_RELEASED, reason=reason)
    return booking


def waitlist_promote(*, session: ClassSession, now: datetime.datetime | None = None) -> list[Booking]:
    """Fill free seats from the waitlist. The caller holds the session lock."""
    now = now or timezone.now()
    if session.status != ClassSession.Status.SCHEDULED or session.starts_at <= now:
        return []
    free = session.capacity - seats_taken(session)
    promoted = []
    if free <= 0:
        return promoted
    today = timezone.localdate()
    waiting = Booking.objects.filter(session=session, status=Booking.Status.WAITLISTED).order_by("waitlist_position")
    for booking in waiting:
        if free <= 0:
            break
        member = lock_member(booking.member_id)
        booking.member, booking.session = member, session
        try:
            membership = check_membership(member, session, today)
            credit = None if check_can_pay(member, session, membership) else credit_consume(member, session)
        except ValidationError as exc:
            waitlist_release(booking, reason=f"We could not give you the freed seat: {' '.join(exc.messages)}", now=now)
            continue
        booking.status = Booking.Status.BOOKED
        booking.credit = credit
        booking.booked_at = now
        booking.promoted = True
        booking.full_clean()
        booking.save(update_fields=["status", "credit", "booked_at", "promoted", "updated_at"])
        notify_booking(booking, PROMOTED)
        promoted.append(booking)
        free -= 1
    return promoted


@transaction.atomic
def waitlist_release_started(*, now: datetime.datetime | None = None) -> int:
    """Release everyone still waitlisted for a class that has started (the job
    runs every 15 minutes); each is told once. Returns how many were released."""
    now = now or timezone.now()
    session_ids = list(
        Booking.objects.filter(status=Booking.Status.WAITLISTED, session__starts_at__lte=now)
        .values_list("session_id", flat=True)
        .distinct()
    )
    released = 0
    for session_id in session_ids:
        session = lock_session(ClassSession(pk=session_id))
        waiting = Booking.objects.filter(session=session, status=Booking.Status.WAITLISTED).select_related(
            "member__user"
        )
        for booking in waiting:
            booking.session = session
            waitlist_release(booking, reason=STARTED_REASON, now=now)
            released += 1
    return released
