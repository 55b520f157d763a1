"""Sessions: the nightly materialisation, and the changes staff (or the
session's instructor) make to one class: reschedule, cancel, new instructor,
new capacity, and clearing a review flag.

Reschedule and cancel tell every booked and waitlisted member once per
change: the session's ``change_count`` goes up by one and is part of each
message's dedupe key, so repeating a call never sends a second message.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.accounts.models import User
from core.classes.conflicts import check_no_conflicts
from core.classes.models import Booking, ClassSchedule, ClassSession, Room
from core.classes.rules import when
from core.classes.services.common import (
    check_may_manage_session,
    credit_give_back,
    lock_session,
    seats_taken,
    stamp,
)
from core.classes.services.materialise import horizon, schedule_materialise
from core.classes.services.notify import CLASS_CANCELLED, CLASS_RESCHEDULED, notify_session_change
from core.classes.services.waitlist import waitlist_promote


@transaction.atomic
def sessions_materialise(*, weeks_ahead: int | None = None) -> int:
    """Create the missing sessions of every active schedule up to
    ``weeks_ahead`` weeks from now (settings.CLASS_MATERIALISE_WEEKS by
    default). Idempotent: a second run creates nothing. Returns how many were made."""
    now = timezone.now()
    until = horizon(now, weeks_ahead)
    created = 0
    for schedule in ClassSchedule.objects.filter(is_active=True).order_by("pk"):
        created += len(schedule_materialise(schedule=schedule, until=until, now=now))
    return created


def _reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": f"Give a reason for {what}; members see it in their email."})
    return reason[:255]


def _waiting_and_booked(session: ClassSession) -> list[Booking]:
    return list(
        Booking.objects.filter(session=session, status__in=[Booking.Status.BOOKED, Booking.Status.WAITLISTED])
        .select_related("member__user")
        .order_by("status", "waitlist_position", "pk")
    )


def _check_changeable(session: ClassSession, now: datetime.datetime) -> None:
    if session.status == ClassSession.Status.CANCELLED:
        raise ValidationError(f"This class is already cancelled ({session.reason}).")
    if session.starts_at <= now:
        raise ValidationError("This class has already started; it can no longer be changed.")


@transaction.atomic
def session_reschedule(
    *, session: ClassSession, starts_at: datetime.datetime, room: Room | None = None, reason: str, by: User | None
) -> ClassSession:
    """Move a class (same length) to ``starts_at`` and optionally another room.
    Bookings and the waitlist stay; each member is told once. Asking for the
    time and room the class already has changes nothing and sends nothing."""
    now = timezone.now()
    session = lock_session(session)
    check_may_manage_session(by, session)
    reason = _reason(reason, "moving the class")
    _check_changeable(session, now)
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be time-zone aware")
    room = room or session.room
    if starts_at == session.starts_at and room.pk == session.room_id:
        return session
    if starts_at <= now:
        raise ValidationError({"starts_at": "The new time is in the past; choose a time still to come."})
    if not room.is_active:
        raise ValidationError({"room": f"{room} is not in use; choose another room."})
    if session.capacity > room.capacity:
        too_small = f"{room} holds {room.capacity} people but the class takes {session.capacity}; choose a bigger room."
        raise ValidationError({"room": too_small})
    ends_at = starts_at + session.duration
    check_no_conflicts([(starts_at, ends_at)], room=room, instructor=session.instructor, exclude=Q(pk=session.pk))
    old_when, old_room = when(session.starts_at), session.room.name
    session.starts_at, session.ends_at, session.room = starts_at, ends_at, room
    session.reason = reason
    session.change_count += 1
    session.rescheduled_at = now
    session.needs_review, session.review_note = False, ""
    session.changed_by = by if by is not None and by.pk else None
    stamp(session, by)
    session.full_clean()
    session.save()
    for booking in _waiting_and_booked(session):
        booking.session = session
        notify_session_change(
            booking, CLASS_RESCHEDULED, old_when=old_when, old_room=old_room, reason=reason,
            waitlisted=booking.status == Booking.Status.WAITLISTED,
        )  # fmt: skip
    return session


@transaction.atomic
def session_cancel(*, session: ClassSession, reason: str, by: User | None) -> ClassSession:
    """Cancel a class: every booking and waitlist place is cancelled, credits
    are given back, and each member is told once."""
    now = timezone.now()
    session = lock_session(session)
    check_may_manage_session(by, session)
    reason = _reason(reason, "cancelling the class")
    _check_changeable(session, now)
    session.status = ClassSession.Status.CANCELLED
    session.reason = reason
    session.change_count += 1
    session.cancelled_at = now
    session.needs_review, session.review_note = False, ""
    session.changed_by = by if by is not None and by.pk else None
    stamp(session, by)
    session.full_clean()
    session.save()
    for booking in _waiting_and_booked(session):
        booking.session = session
        was_waiting = booking.status == Booking.Status.WAITLISTED
        if booking.credit_id:
            credit_give_back(booking)
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.cancel_reason = f"Class cancelled: {reason}"[:255]
        booking.changed_by = session.changed_by
        stamp(booking, by)
        booking.full_clean()
        booking.save()
        notify_session_change(
            booking, CLASS_CANCELLED, reason=reason, waitlisted=was_waiting, credit_returned=booking.credit_returned
        )
    return session


@transaction.atomic
def session_assign_instructor(*, session: ClassSession, instructor: User, by: User | None) -> ClassSession:
    """Another trainer teaches this class (e.g. the usual one is on leave)."""
    now = timezone.now()
    session = lock_session(session)
    check_may_manage_session(by, session)
    _check_changeable(session, now)
    if instructor.role != User.Role.TRAINER or not instructor.is_active:
        raise ValidationError({"instructor": f"{instructor} is not an active trainer."})
    if instructor.pk == session.instructor_id:
        return session
    check_no_conflicts(
        [(session.starts_at, session.ends_at)], room=session.room, instructor=instructor, exclude=Q(pk=session.pk)
    )
    session.instructor = instructor
    session.changed_by = by if by is not None and by.pk else None
    stamp(session, by)
    session.full_clean()
    session.save(update_fields=["instructor", "changed_by", "updated_at"])
    return session


@transaction.atomic
def session_set_capacity(*, session: ClassSession, capacity: int, by: User | None) -> ClassSession:
    """Change how many seats a class has; more seats go to the waitlist at once."""
    now = timezone.now()
    session = lock_session(session)
    check_may_manage_session(by, session)
    _check_changeable(session, now)
    if capacity > session.room.capacity:
        raise ValidationError(
            {"capacity": f"{session.room} holds {session.room.capacity} people; the capacity cannot be more."}
        )
    taken = seats_taken(session)
    if capacity < taken:
        raise ValidationError(
            {"capacity": f"{taken} members are booked; the capacity cannot go below that. Cancel bookings first."}
        )
    session.capacity = capacity
    session.changed_by = by if by is not None and by.pk else None
    stamp(session, by)
    session.full_clean()
    session.save(update_fields=["capacity", "changed_by", "updated_at"])
    waitlist_promote(session=session, now=now)
    return session


@transaction.atomic
def session_review_clear(*, session: ClassSession, by: User | None) -> ClassSession:
    """Keep a flagged class as it is (the review is done)."""
    session = lock_session(session)
    check_may_manage_session(by, session)
    if not session.needs_review:
        return session
    session.needs_review, session.review_note = False, ""
    stamp(session, by)
    session.save(update_fields=["needs_review", "review_note", "updated_at"])
    return session
