"""Who may book what, and when: the checks ``booking_create`` makes, shared
with the selectors that tell the portal which button to show.

Each check raises ValidationError with a message for the member; none writes.

Membership: a member may book when their status is ACTIVE and a membership
entitles them (covers the day, paid enough, not frozen; see
core.memberships.rules) both today and on the day of the class. Today, so a
lapsed or frozen member cannot book ahead; on the class day, so nobody books
a class their membership will not cover (or a freeze will pause).

Payment for the class: if the plan of the membership covering the class day
includes the class type, no credit is used. Otherwise the member needs a
class credit with some left that is still valid on the class day; the one
expiring first is used.

Weekly limit: live bookings (booked, waitlisted, attended, no-show) of the
same class type in the Monday-to-Sunday week of the class, in the gym's time.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from core.billing.models import ClassCredit
from core.classes.models import Booking, ClassSession
from core.members.models import Member
from core.memberships.models import Membership
from core.memberships.rules import entitling_memberships, frozen_on


def when(value: datetime.datetime) -> str:
    """How messages and emails write a class time: “Mon 16 Mar 2026, 18:00”."""
    return f"{timezone.localtime(value):%a %d %b %Y, %H:%M}"


def booking_opens_at(session: ClassSession) -> datetime.datetime:
    return session.starts_at - datetime.timedelta(days=session.booking_opens_days)


def booking_closes_at(session: ClassSession) -> datetime.datetime:
    return session.starts_at - datetime.timedelta(minutes=session.booking_closes_minutes)


def cancel_cutoff_at(session: ClassSession) -> datetime.datetime:
    return session.starts_at - datetime.timedelta(hours=session.cancel_cutoff_hours)


def is_late_cancel(booking: Booking, session: ClassSession, now: datetime.datetime) -> bool:
    """Cancelling a seat after the cutoff is late, except for a seat given
    from the waitlist after the cutoff, or one booked before the class was moved."""
    cutoff = cancel_cutoff_at(session)
    if now <= cutoff:
        return False
    if booking.promoted and booking.booked_at and booking.booked_at > cutoff:
        return False
    moved_after_booking = session.rescheduled_at and booking.booked_at and session.rescheduled_at > booking.booked_at
    return not moved_after_booking


def check_session_bookable(session: ClassSession, now: datetime.datetime) -> None:
    if session.status == ClassSession.Status.CANCELLED:
        raise ValidationError(f"This class was cancelled ({session.reason}); it cannot be booked.")
    if session.starts_at <= now:
        raise ValidationError(f"This class started at {when(session.starts_at)}; it can no longer be booked.")
    if now < booking_opens_at(session):
        raise ValidationError(f"Booking for this class opens on {when(booking_opens_at(session))}.")
    if now > booking_closes_at(session):
        raise ValidationError(
            f"Booking for this class closed at {when(booking_closes_at(session))}, "
            f"{session.booking_closes_minutes} minutes before the start."
        )


def _freeze_message(member: Member, day: datetime.date) -> str | None:
    freeze = (
        frozen_on(day)
        .filter(membership__member=member, membership__status=Membership.Status.ACTIVE)
        .order_by("starts_on")
        .first()
    )
    if freeze is None:
        return None
    return (
        f"Your membership is frozen from {freeze.starts_on:%d %b %Y} to {freeze.ends_on:%d %b %Y}; "
        "classes cannot be booked during a freeze."
    )


def _not_entitled(member: Member, day: datetime.date, today: datetime.date) -> ValidationError:
    frozen = _freeze_message(member, day)
    if frozen:
        return ValidationError(frozen)
    if day == today:
        return ValidationError(
            "Your membership is not active today (expired, or its invoice is unpaid); renew or pay to book classes."
        )
    return ValidationError(
        f"Your membership does not cover {day:%a %d %b %Y}, the day of this class; renew it to book."
    )


def check_membership(member: Member, session: ClassSession, today: datetime.date) -> Membership:
    """The membership that entitles the member on the class day (its plan decides
    inclusion). It is loaded with its id, member and plan ids only: this runs on
    every booking, and the wider row (and the plan) cost compile and decode time."""
    if member.deleted_at is not None or member.purged_at is not None:
        raise ValidationError(f"{member.code} has been removed; restore the member before booking.")
    if member.suspended_reason:
        raise ValidationError(f"Your membership is suspended ({member.suspended_reason}); please see the front desk.")
    class_day = timezone.localdate(session.starts_at)
    if class_day != today and not entitling_memberships(today).filter(member=member).exists():
        raise _not_entitled(member, today, today)
    found = entitling_memberships(class_day).filter(member=member).only("pk", "member_id", "plan_id").first()
    if found is None:
        raise _not_entitled(member, class_day, today)
    if member.status != Member.Status.ACTIVE:
        raise ValidationError("Your membership is not active; renew it or pay your invoice to book classes.")
    return found


def plan_includes(membership: Membership, session: ClassSession) -> bool:
    return session.class_type.included_in_plans.filter(pk=membership.plan_id).exists()


def usable_credits(member: Member, session: ClassSession):
    """Credits with some left that are valid on the class day, the one expiring first first."""
    class_day = timezone.localdate(session.starts_at)
    return ClassCredit.objects.filter(member=member, expires_on__gte=class_day, used__lt=F("total")).order_by(
        "expires_on", "pk"
    )


def check_can_pay(member: Member, session: ClassSession, membership: Membership) -> bool:
    """True when the plan includes the class; False when a credit will be
    needed (and one exists). Raises when neither."""
    if plan_includes(membership, session):
        return True
    if not usable_credits(member, session).exists():
        raise ValidationError(
            f"Your plan ({membership.plan}) does not include {session.class_type} and you have no class credits "
            f"valid on {timezone.localdate(session.starts_at):%d %b %Y}; buy a class pack to book it."
        )
    return False


def _live_bookings(member: Member, session: ClassSession):
    return Booking.objects.filter(member=member, session=session, status__in=Booking.LIVE)


def live_booking(member: Member, session: ClassSession) -> Booking | None:
    return _live_bookings(member, session).first()


def check_not_booked(member: Member, session: ClassSession) -> None:
    # The status is all this needs (it runs on every booking, under the session lock).
    status = _live_bookings(member, session).values_list("status", flat=True).first()
    if status is None:
        return
    if status == Booking.Status.WAITLISTED:
        raise ValidationError("You are already on the waitlist for this class.")
    raise ValidationError("You are already booked on this class.")


def week_bounds(session: ClassSession) -> tuple[datetime.datetime, datetime.datetime]:
    """The Monday 00:00 to next Monday 00:00 (gym time) around the class."""
    day = timezone.localdate(session.starts_at)
    monday = day - datetime.timedelta(days=day.weekday())
    start = timezone.make_aware(datetime.datetime.combine(monday, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(monday + datetime.timedelta(days=7), datetime.time.min))
    return start, end


def check_weekly_limit(member: Member, session: ClassSession) -> None:
    if not session.weekly_limit:
        return
    start, end = week_bounds(session)
    held = (
        Booking.objects.filter(
            member=member,
            status__in=Booking.LIVE,
            session__class_type_id=session.class_type_id,
            session__starts_at__gte=start,
            session__starts_at__lt=end,
        )
        .exclude(session=session)
        .count()
    )
    if held >= session.weekly_limit:
        raise ValidationError(
            f"You already have {held} {session.class_type} booking{'s' if held != 1 else ''} in the week of "
            f"{timezone.localdate(start):%d %b %Y}; the limit is {session.weekly_limit} a week."
        )


@dataclass(frozen=True)
class Eligibility:
    membership: Membership
    included: bool  # the plan includes the class: no credit needed


def check_member_may_book(member: Member, session: ClassSession, *, today: datetime.date) -> Eligibility:
    """Every member-side rule, in the order a member would want to hear them."""
    check_not_booked(member, session)
    membership = check_membership(member, session, today)
    check_weekly_limit(member, session)
    included = check_can_pay(member, session, membership)
    return Eligibility(membership=membership, included=included)
