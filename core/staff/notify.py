"""Staff emails through the outbox, each with a dedupe key naming the event,
so a repeated call never sends twice."""

from django.utils import timezone

from core.accounts.models import User
from core.classes.models import Booking, ClassSession
from core.classes.services.notify import session_context
from core.notifications.models import Message
from core.notifications.services import message_queue
from core.staff.models import LeaveRequest

LEAVE_APPROVED = "leave_approved"
LEAVE_DENIED = "leave_denied"
INSTRUCTOR_CHANGED = "class_instructor_changed"


def _moment(value) -> str:
    local = timezone.localtime(value)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def leave_context(leave: LeaveRequest) -> dict:
    user = leave.trainer.user
    starts, ends = _moment(leave.starts_at), _moment(leave.ends_at)
    return {
        "first_name": user.first_name,
        "starts": starts,
        "ends": ends,
        "leave_span": f"{starts} – {ends}",
        "leave_id": leave.pk,
    }


def notify_leave_decision(leave: LeaveRequest, *, handled: list[str] | None = None) -> Message | None:
    """Tell the trainer the decision, once per leave and outcome."""
    user = leave.trainer.user
    if not user.email:
        return None
    template = LEAVE_APPROVED if leave.status == LeaveRequest.Status.APPROVED else LEAVE_DENIED
    decided_by = leave.decided_by.full_name if leave.decided_by_id else "the gym"
    return message_queue(
        template=template,
        recipient=user.email,
        user=user,
        dedupe_key=f"staff:leave:{leave.pk}:{leave.status.lower()}",
        context={
            **leave_context(leave),
            "note": leave.decision_note,
            "decided_by": decided_by or "the gym",
            "handled": handled or [],
        },
    )


def notify_instructor_changed(session: ClassSession, *, old_instructor: User) -> list[Message]:
    """Tell every booked and waitlisted member, once per new instructor."""
    sent = []
    old_name = old_instructor.full_name or old_instructor.email
    bookings = (
        Booking.objects.filter(session=session, status__in=[Booking.Status.BOOKED, Booking.Status.WAITLISTED])
        .select_related("member__user")
        .order_by("pk")
    )
    context = session_context(session)
    for booking in bookings:
        user = booking.member.user
        if user is None or not user.email:
            continue  # purged member: nobody to tell
        sent.append(
            message_queue(
                template=INSTRUCTOR_CHANGED,
                recipient=user.email,
                user=user,
                dedupe_key=(
                    f"class:session:{session.pk}:instructor:{session.instructor_id}:member:{booking.member_id}"
                ),
                context={
                    "first_name": user.first_name,
                    **context,
                    "old_instructor": old_name,
                    "waitlisted": booking.status == Booking.Status.WAITLISTED,
                },
            )
        )
    return sent
