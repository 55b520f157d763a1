"""Leave: a trainer applies for a time range; the request lists the classes
it touches; staff handle each one (reassign to a free trainer, move it out
of the leave, or cancel it) through the classes services, which tell the
members; then approve (refused while any class is left) or deny with a note.
The trainer is told the decision."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.classes.models import ClassSession, Room
from core.classes.rules import when
from core.classes.services.sessions import (
    session_assign_instructor,
    session_cancel,
    session_reschedule,
    session_review_clear,
)
from core.staff.models import LeaveRequest, Trainer
from core.staff.notify import notify_instructor_changed, notify_leave_decision
from core.staff.selectors import leave_blocking, leave_sessions_affected, trainers_free_for

MAX_LEAVE_DAYS = 90


def _span(start: datetime.datetime, end: datetime.datetime) -> str:
    return f"{when(start)} to {when(end)}"


def _check_may_apply(by: User, trainer: Trainer) -> None:
    if by.pk == trainer.user_id and by.is_active:
        return
    if by.is_staff and by.has_perm("staff.add_leaverequest"):
        return
    raise PermissionDenied("You can only apply for your own leave.")


def check_may_decide(by: User | None) -> None:
    """Deciding leave and handling its classes is for staff allowed to change leave requests."""
    if by is None:
        return
    if not (by.is_staff and by.has_perm("staff.change_leaverequest")):
        raise PermissionDenied("Only staff allowed to manage leave can decide leave requests.")


@transaction.atomic
def leave_request_create(
    *, trainer: Trainer, starts_at: datetime.datetime, ends_at: datetime.datetime, reason: str, by: User
) -> LeaveRequest:
    """Apply for leave. Refused when it starts in the past, ends before it
    starts, or overlaps the trainer's pending or approved leave."""
    _check_may_apply(by, trainer)
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValueError("starts_at and ends_at must be time-zone aware")
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = "Say why (e.g. holiday, family event, illness)."
    if ends_at <= starts_at:
        errors["ends_at"] = "The leave must end after it starts."
    elif ends_at - starts_at > datetime.timedelta(days=MAX_LEAVE_DAYS):
        errors["ends_at"] = f"One request covers at most {MAX_LEAVE_DAYS} days; split a longer absence."
    if starts_at <= timezone.now():
        errors["starts_at"] = "The leave starts in the past; choose a start still to come."
    if errors:
        raise ValidationError(errors)
    # Lock the trainer: two requests sent at once cannot both pass the overlap check.
    trainer = Trainer.objects.select_for_update().select_related("user").get(pk=trainer.pk)
    if not trainer.user.is_active:
        raise ValidationError(f"{trainer} is deactivated and cannot take leave.")
    clash = leave_blocking(trainer=trainer, start=starts_at, end=ends_at).order_by("starts_at").first()
    if clash is not None:
        raise ValidationError(
            f"This overlaps {clash.get_status_display().lower()} leave from {_span(clash.starts_at, clash.ends_at)}. "
            "Choose other dates, or ask the gym to change that request."
        )
    leave = LeaveRequest(trainer=trainer, starts_at=starts_at, ends_at=ends_at, reason=reason[:255], requested_by=by)
    leave._history_user = by
    leave.full_clean()
    leave.save()
    return leave


def _lock_leave(leave: LeaveRequest) -> LeaveRequest:
    return LeaveRequest.objects.select_for_update(of=("self",)).select_related("trainer__user").get(pk=leave.pk)


def _affected_session(leave: LeaveRequest, session: ClassSession) -> ClassSession:
    if leave.status == LeaveRequest.Status.DENIED:
        raise ValidationError("This leave was denied; its classes stay as they are.")
    found = leave_sessions_affected(leave=leave).filter(pk=session.pk).first()
    if found is None:
        raise ValidationError(
            f"{session} is no longer affected by this leave (already handled, started, or not the trainer's)."
        )
    return found


@transaction.atomic
def leave_session_reassign(
    *, leave: LeaveRequest, session: ClassSession, instructor: User, by: User | None
) -> ClassSession:
    """Give a class in the leave to another trainer, one free at that time;
    booked and waitlisted members are told who teaches now."""
    check_may_decide(by)
    leave = _lock_leave(leave)
    session = _affected_session(leave, session)
    if instructor.pk not in {t.pk for t in trainers_free_for(session=session)}:
        name = instructor.full_name or instructor.email
        raise ValidationError({"instructor": f"{name} is not free at that time; choose another trainer."})
    old_instructor = session.instructor
    session = session_assign_instructor(session=session, instructor=instructor, by=by)
    if session.needs_review:
        session = session_review_clear(session=session, by=by)
    notify_instructor_changed(session, old_instructor=old_instructor)
    return session


@transaction.atomic
def leave_session_reschedule(
    *,
    leave: LeaveRequest,
    session: ClassSession,
    starts_at: datetime.datetime,
    reason: str,
    room: Room | None = None,
    by: User | None,
) -> ClassSession:
    """Move a class out of the leave (same trainer); members are told by the classes service."""
    check_may_decide(by)
    leave = _lock_leave(leave)
    session = _affected_session(leave, session)
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be time-zone aware")
    ends_at = starts_at + session.duration
    if starts_at < leave.ends_at and leave.starts_at < ends_at:
        raise ValidationError(
            {"starts_at": f"The new time is still inside the leave ({_span(leave.starts_at, leave.ends_at)}); "
             "choose a time after it or before it, or reassign the class."}
        )  # fmt: skip
    return session_reschedule(session=session, starts_at=starts_at, room=room, reason=reason, by=by)


@transaction.atomic
def leave_session_cancel(*, leave: LeaveRequest, session: ClassSession, reason: str, by: User | None) -> ClassSession:
    """Cancel a class in the leave; members are told and credits given back by the classes service."""
    check_may_decide(by)
    leave = _lock_leave(leave)
    session = _affected_session(leave, session)
    return session_cancel(session=session, reason=reason, by=by)


def _check_pending(leave: LeaveRequest) -> None:
    if leave.status != LeaveRequest.Status.PENDING:
        raise ValidationError(f"This leave request is already {leave.get_status_display().lower()}.")


def _handled_lines(leave: LeaveRequest) -> list[str]:
    """What became of the trainer's classes in the leave, for their email:
    every class that was theirs inside the leave in some version (its
    history) and changed since the request was made."""
    trainer_id = leave.trainer.user_id
    ever_inside = ClassSession.history.filter(
        instructor_id=trainer_id, starts_at__lt=leave.ends_at, ends_at__gt=leave.starts_at
    ).values("id")
    sessions = (
        ClassSession.objects.filter(pk__in=ever_inside, updated_at__gte=leave.created_at)
        .select_related("class_type", "instructor")
        .order_by("starts_at", "pk")
    )
    lines = []
    for session in sessions:
        title = f"{session.class_type}"
        if session.status == ClassSession.Status.CANCELLED:
            lines.append(f"{title} (was in your leave): cancelled")
        elif session.instructor_id != trainer_id:
            name = session.instructor.full_name or session.instructor.email
            lines.append(f"{title} on {when(session.starts_at)}: taught by {name}")
        elif not (session.starts_at < leave.ends_at and leave.starts_at < session.ends_at):
            lines.append(f"{title}: moved to {when(session.starts_at)}")
    return lines


@transaction.atomic
def leave_approve(*, leave: LeaveRequest, by: User | None, note: str = "") -> LeaveRequest:
    """Approve leave once none of its classes is left to handle; tells the trainer."""
    check_may_decide(by)
    leave = _lock_leave(leave)
    _check_pending(leave)
    left = list(leave_sessions_affected(leave=leave))
    if left:
        names = "; ".join(str(s) for s in left[:3]) + (f" and {len(left) - 3} more" if len(left) > 3 else "")
        raise ValidationError(
            f"{len(left)} class{'es' if len(left) != 1 else ''} in this leave still "
            f"need{'s' if len(left) == 1 else ''} a decision: {names}. "
            "Reassign each to a free trainer, move it out of the leave or cancel it, then approve."
        )
    leave.status = LeaveRequest.Status.APPROVED
    leave.decision_note = (note or "").strip()[:500]
    leave.decided_by = by if by is not None and by.pk else None
    leave.decided_at = timezone.now()
    leave._history_user = by
    leave.full_clean()
    leave.save()
    notify_leave_decision(leave, handled=_handled_lines(leave))
    return leave


@transaction.atomic
def leave_deny(*, leave: LeaveRequest, by: User | None, note: str) -> LeaveRequest:
    """Deny leave with a note the trainer reads; their classes stay as they are."""
    check_may_decide(by)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Say why the leave is not approved; the trainer reads it."})
    leave = _lock_leave(leave)
    _check_pending(leave)
    leave.status = LeaveRequest.Status.DENIED
    leave.decision_note = note[:500]
    leave.decided_by = by if by is not None and by.pk else None
    leave.decided_at = timezone.now()
    leave._history_user = by
    leave.full_clean()
    leave.save()
    notify_leave_decision(leave)
    return leave
