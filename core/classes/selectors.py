"""Read side of classes: the timetable, a member's bookings and credits, the
roster, no-shows, and what a member may do on a session page.

List selectors annotate counts in SQL, so a page costs a fixed number of
queries however many sessions or bookings it shows.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from core.billing.models import ClassCredit
from core.classes.models import Booking, ClassSession, ClassTag, ClassType
from core.classes.rules import (
    check_member_may_book,
    check_session_bookable,
    is_late_cancel,
    live_booking,
)
from core.members.models import Member


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of ``day``'s week."""
    return day - datetime.timedelta(days=day.weekday())


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def with_counts(queryset: QuerySet) -> QuerySet:
    """Annotate sessions with ``booked_count`` (seats taken), ``waitlist_count`` and ``spots_left``."""
    return queryset.annotate(
        booked_count=Count("bookings", filter=Q(bookings__status__in=Booking.HOLDS_SEAT)),
        waitlist_count=Count("bookings", filter=Q(bookings__status=Booking.Status.WAITLISTED)),
    ).annotate(spots_left=Greatest(F("capacity") - F("booked_count"), Value(0)))


def sessions_between(
    *,
    start: datetime.datetime,
    end: datetime.datetime,
    tag: str | ClassTag | None = None,
    instructor=None,
    class_type: ClassType | None = None,
    room=None,
    include_cancelled: bool = True,
) -> QuerySet:
    """Sessions starting in [start, end), with counts, class type, room,
    instructor and tags loaded: two queries in all. ``tag`` is a ClassTag or
    a tag name (any case); ``instructor`` a User or its id."""
    sessions = ClassSession.objects.filter(starts_at__gte=start, starts_at__lt=end)
    if tag is not None:
        # A subquery, not a join: a join on tags would multiply the counted bookings.
        tagged = (
            ClassTag.objects.filter(pk=tag.pk)
            if isinstance(tag, ClassTag)
            else ClassTag.objects.filter(name__iexact=tag)
        )
        sessions = sessions.filter(class_type__in=ClassType.objects.filter(tags__in=tagged).values("pk"))
    if instructor is not None:
        sessions = sessions.filter(instructor=instructor)
    if class_type is not None:
        sessions = sessions.filter(class_type=class_type)
    if room is not None:
        sessions = sessions.filter(room=room)
    if not include_cancelled:
        sessions = sessions.filter(status=ClassSession.Status.SCHEDULED)
    return (
        with_counts(sessions)
        .select_related("class_type", "room", "instructor")
        .prefetch_related("class_type__tags")
        .order_by("starts_at", "room__name")
    )


def sessions_for_week(*, week_of: datetime.date | None = None, **filters) -> QuerySet:
    """The Monday-to-Sunday week (gym time) containing ``week_of`` (today by
    default); filters as for sessions_between."""
    monday = week_start(week_of or timezone.localdate())
    return sessions_between(
        start=_local_midnight(monday), end=_local_midnight(monday + datetime.timedelta(days=7)), **filters
    )


def session_with_counts(*, session_id: int) -> ClassSession:
    return (
        with_counts(ClassSession.objects.filter(pk=session_id)).select_related("class_type", "room", "instructor").get()
    )


def sessions_needing_review() -> QuerySet:
    return with_counts(
        ClassSession.objects.filter(
            needs_review=True, status=ClassSession.Status.SCHEDULED, starts_at__gt=timezone.now()
        )
    ).select_related("class_type", "room", "instructor", "schedule")


def _waitlist_place() -> Case:
    ahead = (
        Booking.objects.filter(
            session=OuterRef("session"),
            status=Booking.Status.WAITLISTED,
            waitlist_position__lte=OuterRef("waitlist_position"),
        )
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Case(When(status=Booking.Status.WAITLISTED, then=Subquery(ahead)), output_field=IntegerField())


def booking_waitlist_place(*, booking: Booking) -> int | None:
    """1 for the first member waiting, 2 for the next...; None if not waitlisted."""
    if booking.status != Booking.Status.WAITLISTED:
        return None
    return Booking.objects.filter(
        session_id=booking.session_id,
        status=Booking.Status.WAITLISTED,
        waitlist_position__lte=booking.waitlist_position,
    ).count()


def member_bookings(
    *, member: Member, upcoming: bool = True, include_cancelled: bool = False, now: datetime.datetime | None = None
) -> QuerySet:
    """A member's bookings: classes still to finish (soonest first) or past
    ones (latest first), each with ``waitlist_place`` (1 = next in line)."""
    now = now or timezone.now()
    bookings = Booking.objects.filter(member=member)
    bookings = bookings.filter(session__ends_at__gt=now) if upcoming else bookings.filter(session__ends_at__lte=now)
    if not include_cancelled:
        bookings = bookings.exclude(status=Booking.Status.CANCELLED)
    return (
        bookings.annotate(waitlist_place=_waitlist_place())
        .select_related("session__class_type", "session__room", "session__instructor")
        .order_by("session__starts_at" if upcoming else "-session__starts_at", "pk")
    )


def member_live_bookings(*, member: Member, sessions: Iterable[ClassSession]) -> dict[int, Booking]:
    """{session id: the member's live booking} for a page of sessions, in one query."""
    ids = [s.pk for s in sessions]
    bookings = Booking.objects.filter(member=member, session_id__in=ids, status__in=Booking.LIVE).annotate(
        waitlist_place=_waitlist_place()
    )
    return {b.session_id: b for b in bookings}


def member_credits(*, member: Member, on: datetime.date | None = None) -> QuerySet:
    """Credits with some left and still valid on ``on`` (today), the one expiring first first."""
    on = on or timezone.localdate()
    return ClassCredit.objects.filter(member=member, expires_on__gte=on, used__lt=F("total")).order_by(
        "expires_on", "pk"
    )


def member_credits_left(*, member: Member, on: datetime.date | None = None) -> int:
    left = member_credits(member=member, on=on).aggregate(n=Sum(F("total") - F("used")))["n"]
    return left or 0


def member_no_show_count(*, member: Member, since: datetime.datetime | None = None) -> int:
    bookings = Booking.objects.filter(member=member, status=Booking.Status.NO_SHOW)
    if since is not None:
        bookings = bookings.filter(session__starts_at__gte=since)
    return bookings.count()


def _no_shows_of(member_ref) -> Subquery:
    counted = (
        Booking.objects.filter(member=member_ref, status=Booking.Status.NO_SHOW)
        .order_by()
        .values("member")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def members_with_no_show_counts(queryset: QuerySet) -> QuerySet:
    """Annotate members with ``no_show_count`` (a subquery: fixed query count)."""
    return queryset.annotate(no_show_count=_no_shows_of(OuterRef("pk")))


def session_roster(*, session: ClassSession) -> QuerySet:
    """Who holds a seat (booked, attended, no-show) by name, then the
    waitlist in order; each with ``waitlist_place`` and the member's ``no_show_count``."""
    return (
        Booking.objects.filter(session=session, status__in=Booking.LIVE)
        .annotate(
            waitlist_place=_waitlist_place(),
            no_show_count=_no_shows_of(OuterRef("member")),
            on_waitlist=Case(When(status=Booking.Status.WAITLISTED, then=Value(1)), default=Value(0)),
        )
        .select_related("member__user", "credit")
        .order_by("on_waitlist", "waitlist_position", "member__user__first_name", "member__code")
    )


@dataclass(frozen=True)
class BookingOutlook:
    """What a member can do on a session page. ``action`` is "book",
    "waitlist", "cancel", "leave_waitlist" or "none"; ``message`` says why
    not, or what will happen (credit used, late cancel)."""

    action: str
    message: str
    spots_left: int
    booking: Booking | None = None
    place: int | None = None


_AFTER_START = {
    Booking.Status.BOOKED: "You are booked; the class has started.",
    Booking.Status.WAITLISTED: "You are on the waitlist; the class has started.",
    Booking.Status.ATTENDED: "You attended this class.",
    Booking.Status.NO_SHOW: "You were marked as a no-show for this class.",
}


def booking_outlook(*, session: ClassSession, member: Member, now: datetime.datetime | None = None) -> BookingOutlook:
    now = now or timezone.now()
    spots = max(session.capacity - Booking.objects.filter(session=session, status__in=Booking.HOLDS_SEAT).count(), 0)
    existing = live_booking(member, session)
    if existing is not None:
        if session.starts_at <= now or existing.status not in (Booking.Status.BOOKED, Booking.Status.WAITLISTED):
            return BookingOutlook("none", _AFTER_START[existing.status], spots, existing)
        if existing.status == Booking.Status.WAITLISTED:
            place = member_live_bookings(member=member, sessions=[session])[session.pk].waitlist_place
            return BookingOutlook("leave_waitlist", f"You are number {place} on the waitlist.", spots, existing, place)
        message = "You are booked."
        if is_late_cancel(existing, session, now):
            message += " Cancelling now is a late cancel" + (
                ": the class credit is not given back." if existing.credit_id else "."
            )
        return BookingOutlook("cancel", message, spots, existing)
    try:
        check_session_bookable(session, now)
        eligibility = check_member_may_book(member, session, today=timezone.localdate())
    except ValidationError as exc:
        return BookingOutlook("none", " ".join(exc.messages), spots)
    payment = "Included in your plan." if eligibility.included else "Uses one class credit."
    if spots:
        return BookingOutlook("book", payment, spots)
    return BookingOutlook("waitlist", "The class is full: join the waitlist and you get the first free seat.", spots)
