"""Pieces the class services share: row locks in one order, credits, and who
may act on a booking or session.

Lock order, everywhere: the session, then the member, then credits. The
session lock is what keeps BOOKED within capacity under any concurrency.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.accounts.models import User
from core.billing.models import ClassCredit
from core.classes.models import Booking, ClassSession
from core.classes.rules import usable_credits
from core.members.models import Member


def lock_session(session: ClassSession) -> ClassSession:
    # of=("self",): lock the session row only, not the joined room/type/instructor rows.
    return (
        ClassSession.objects.select_for_update(of=("self",))
        .select_related("class_type", "room", "instructor")
        .get(pk=session.pk)
    )


def lock_member(member_id: int) -> Member:
    return Member.all_objects.select_for_update(of=("self",)).select_related("user").get(pk=member_id)


def seats_taken(session: ClassSession) -> int:
    return Booking.objects.filter(session=session, status__in=Booking.HOLDS_SEAT).count()


def credit_consume(member: Member, session: ClassSession) -> ClassCredit:
    """Use one credit from the member's credit that expires first."""
    credit = usable_credits(member, session).select_for_update().first()
    if credit is None:
        raise ValidationError(
            f"You have no class credits valid on {timezone.localdate(session.starts_at):%d %b %Y}; "
            "buy a class pack to book this class."
        )
    credit.used += 1
    credit.full_clean()
    credit.save(update_fields=["used", "updated_at"])
    return credit


def credit_give_back(booking: Booking) -> None:
    credit = ClassCredit.objects.select_for_update().get(pk=booking.credit_id)
    credit.used = max(credit.used - 1, 0)
    credit.save(update_fields=["used", "updated_at"])
    booking.credit_returned = True


def is_staff(user: User | None) -> bool:
    return user is not None and user.is_active and user.role in User.STAFF_ROLES


def check_may_act_for_member(by: User | None, member: Member) -> None:
    """Members act for themselves; staff and trainers for anyone; None is the system."""
    if by is None or by.role != User.Role.MEMBER:
        return
    if member.user_id != by.pk:
        raise PermissionDenied("You can only book or cancel your own classes.")


def check_may_manage_session(by: User | None, session: ClassSession) -> None:
    """Staff manage every session; a trainer manages the sessions they teach."""
    if by is None or is_staff(by):
        return
    if by.role == User.Role.TRAINER and by.pk == session.instructor_id:
        return
    raise PermissionDenied("Only staff or the class's instructor can change this class.")


def stamp(instance, by: User | None) -> None:
    """Record ``by`` as the history user of the next save (also outside a request)."""
    if by is not None and by.pk:
        instance._history_user = by
