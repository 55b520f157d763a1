"""Booking a class and cancelling a booking.

Capacity holds under any concurrency: every booking change locks the session
row first (SELECT ... FOR UPDATE) and counts the seats taken under that lock,
so two members can never both take the last seat. Waitlist positions are
handed out under the same lock, one after another.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.accounts.models import User
from core.classes.models import Booking, ClassSession
from core.classes.rules import check_member_may_book, check_session_bookable, is_late_cancel
from core.classes.selectors import booking_waitlist_place
from core.classes.services.common import (
    check_may_act_for_member,
    credit_consume,
    credit_give_back,
    lock_member,
    lock_session,
    seats_taken,
    stamp,
)
from core.classes.services.notify import CLASS_BOOKED, WAITLISTED, notify_booking
from core.classes.services.waitlist import waitlist_promote
from core.members.models import Member


@transaction.atomic
def booking_create(*, session: ClassSession, member: Member, by: User | None = None) -> Booking:
    """Book ``member`` on ``session``: a seat if one is free (using a class
    credit unless the plan includes the class), else the next place on the
    waitlist (no credit used until promoted). The rules are in core.classes.rules."""
    now = timezone.now()
    session = lock_session(session)
    check_session_bookable(session, now)
    member = lock_member(member.pk)
    check_may_act_for_member(by, member)
    eligibility = check_member_may_book(member, session, today=timezone.localdate())
    booking = Booking(session=session, member=member, created_by=by if by is not None and by.pk else None)
    stamp(booking, by)
    if seats_taken(session) < session.capacity:
        booking.status = Booking.Status.BOOKED
        booking.booked_at = now
        booking.credit = None if eligibility.included else credit_consume(member, session)
    else:
        last = Booking.objects.filter(session=session).aggregate(last=Max("waitlist_position"))["last"]
        booking.status = Booking.Status.WAITLISTED
        booking.waitlist_position = (last or 0) + 1
    # Constraints and foreign keys are left to the database here: the checks
    # above, made under the session and member locks, already cover them (the
    # related rows were just loaded), and each validation costs a query while
    # every other booking for the class waits.
    booking.full_clean(exclude=["session", "member", "credit", "created_by", "changed_by"], validate_constraints=False)
    booking.save()
    if booking.status == Booking.Status.BOOKED:
        notify_booking(booking, CLASS_BOOKED, used_credit=booking.credit_id is not None)
    else:
        notify_booking(booking, WAITLISTED, place=booking_waitlist_place(booking=booking))
    return booking


@transaction.atomic
def booking_cancel(*, booking: Booking, by: User | None, reason: str = "") -> Booking:
    """Cancel a seat or a waitlist place. A seat cancelled before the cutoff
    gives the credit back; after it, it is a late cancel and the credit is
    forfeited. A freed seat goes to the first member on the waitlist at once."""
    now = timezone.now()
    session = lock_session(booking.session)
    booking = Booking.objects.select_for_update(of=("self",)).select_related("member__user").get(pk=booking.pk)
    booking.session = session
    check_may_act_for_member(by, booking.member)
    if booking.status == Booking.Status.CANCELLED:
        raise ValidationError("This booking is already cancelled.")
    if booking.status in (Booking.Status.ATTENDED, Booking.Status.NO_SHOW):
        raise ValidationError("Attendance is already marked for this booking; it cannot be cancelled.")
    if session.starts_at <= now:
        raise ValidationError("The class has started; the booking can no longer be cancelled.")
    held_seat = booking.status == Booking.Status.BOOKED
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = now
    booking.cancel_reason = (reason or "").strip()[:255]
    booking.changed_by = by if by is not None and by.pk else None
    if held_seat and is_late_cancel(booking, session, now):
        booking.late_cancel = True
    elif held_seat and booking.credit_id:
        credit_give_back(booking)
    stamp(booking, by)
    booking.full_clean()
    booking.save()
    if held_seat:
        waitlist_promote(session=session, now=now)
    return booking
