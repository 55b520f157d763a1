"""Class emails through the outbox. Each message has a dedupe key naming the
booking (or session change) and the event, so a retried call never sends twice."""

from django.utils import timezone

from core.classes.models import Booking, ClassSession
from core.classes.rules import when
from core.notifications.models import Message
from core.notifications.services import message_queue

CLASS_BOOKED = "class_booked"
WAITLISTED = "waitlisted"
PROMOTED = "promoted_from_waitlist"
WAITLIST_RELEASED = "waitlist_released"
CLASS_RESCHEDULED = "class_rescheduled"
CLASS_CANCELLED = "class_cancelled"


def session_context(session: ClassSession) -> dict:
    return {
        "class_title": session.class_type.title,
        "when": when(session.starts_at),
        "ends": f"{timezone.localtime(session.ends_at):%H:%M}",
        "room": session.room.name,
        "instructor": session.instructor.full_name or session.instructor.email,
        "session_id": session.pk,
    }


def _queue(booking: Booking, template: str, dedupe_key: str, extra: dict) -> Message | None:
    user = booking.member.user
    if user is None or not user.email:
        return None  # purged member: nobody to tell
    return message_queue(
        template=template,
        recipient=user.email,
        user=user,
        dedupe_key=dedupe_key,
        context={"first_name": user.first_name, **session_context(booking.session), **extra},
    )


def notify_booking(booking: Booking, template: str, **extra) -> Message | None:
    """One message per booking and event (booked, waitlisted, promoted, released)."""
    return _queue(booking, template, f"class:booking:{booking.pk}:{template}", extra)


def notify_session_change(booking: Booking, template: str, **extra) -> Message | None:
    """One message per member for each change of a session (its change_count)."""
    session = booking.session
    key = f"class:session:{session.pk}:change:{session.change_count}:member:{booking.member_id}"
    return _queue(booking, template, key, extra)
