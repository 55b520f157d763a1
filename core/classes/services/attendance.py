"""Marking who came: the instructor or the desk, once the class has started."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.classes.models import Booking, ClassSession
from core.classes.services.common import check_may_manage_session, lock_session, stamp

MARKS = (Booking.Status.ATTENDED, Booking.Status.NO_SHOW)


@transaction.atomic
def attendance_mark(*, booking: Booking, status: str, by: User | None) -> Booking:
    """Mark a booked member ATTENDED or NO_SHOW. A mark can be corrected
    (attended ↔ no-show); cancelled and waitlisted bookings cannot be marked."""
    if status not in MARKS:
        raise ValidationError("Mark the member as attended or as a no-show.")
    session = lock_session(booking.session)
    check_may_manage_session(by, session)
    booking = Booking.objects.select_for_update(of=("self",)).get(pk=booking.pk)
    booking.session = session
    if session.status == ClassSession.Status.CANCELLED:
        raise ValidationError("This class was cancelled; there is no attendance to mark.")
    now = timezone.now()
    if session.starts_at > now:
        raise ValidationError(
            f"Attendance can be marked once the class starts ({timezone.localtime(session.starts_at):%d %b %H:%M})."
        )
    if booking.status not in (Booking.Status.BOOKED, *MARKS):
        raise ValidationError(
            f"This booking is {booking.get_status_display().lower()}; only booked members are marked."
        )
    if booking.status == status:
        return booking
    booking.status = status
    booking.attendance_marked_at = now
    booking.changed_by = by if by is not None and by.pk else None
    stamp(booking, by)
    booking.full_clean()
    booking.save(update_fields=["status", "attendance_marked_at", "changed_by", "updated_at"])
    return booking
