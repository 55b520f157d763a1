"""Member portal: the week's classes, a class page with the one button that
fits (book, join the waitlist, cancel), and my bookings.

Plain POST forms with CSRF, so everything works without JavaScript; every
write goes through a core.classes service and ends in a redirect with a
message saying what happened. A member only reaches their own bookings:
anyone else's is a 404, so booking numbers cannot be probed.
"""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.accounts.models import User
from core.classes.models import Booking, ClassSession, ClassTag
from core.classes.rules import booking_closes_at, booking_opens_at, cancel_cutoff_at, is_late_cancel, when
from core.classes.selectors import (
    booking_outlook,
    booking_waitlist_place,
    member_bookings,
    member_credits_left,
    member_live_bookings,
    session_with_counts,
    sessions_for_week,
    week_start,
)
from core.classes.services.bookings import booking_cancel, booking_create
from core.members.models import Member
from portal.access import role_required

member_only = role_required(User.Role.MEMBER)
# The timetable moves a week at a time within these bounds (a typed URL outside them shows this week).
FIRST_WEEK, LAST_WEEK = datetime.date(2000, 1, 3), datetime.date(2099, 12, 28)
PAST_BOOKINGS_SHOWN = 50


def _my_member(request) -> Member | None:
    return Member.objects.filter(user=request.user).first()


def _week_of(raw: str | None) -> datetime.date:
    """The Monday of the week asked for (?week=YYYY-MM-DD), else of this week."""
    try:
        day = datetime.date.fromisoformat(raw or "")
    except ValueError:
        day = None
    if day is None or not FIRST_WEEK <= day <= LAST_WEEK:
        day = timezone.localdate()
    return week_start(day)


def _int_or_none(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 10 else None


def _query(**params) -> str:
    kept = {name: value for name, value in params.items() if value not in (None, "")}
    return f"?{urlencode(kept)}" if kept else ""


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@member_only
@never_cache
@require_GET
def schedule(request):
    """The Monday-to-Sunday timetable, filtered by tag and instructor; a fixed
    number of queries however many classes the week has."""
    member = _my_member(request)
    monday = _week_of(request.GET.get("week"))
    tag = (request.GET.get("tag") or "").strip()[:40]
    instructor_id = _int_or_none(request.GET.get("instructor"))
    sessions = list(sessions_for_week(week_of=monday, tag=tag or None, instructor=instructor_id))
    mine = member_live_bookings(member=member, sessions=sessions) if member else {}
    now = timezone.now()
    days = {monday + datetime.timedelta(days=i): [] for i in range(7)}
    for session in sessions:
        session.my_booking = mine.get(session.pk)
        session.started = session.starts_at <= now
        days[timezone.localdate(session.starts_at)].append(session)
    end = monday + datetime.timedelta(days=7)
    instructors = (
        User.objects.filter(
            role=User.Role.TRAINER,
            class_sessions__starts_at__gte=timezone.make_aware(datetime.datetime.combine(monday, datetime.time.min)),
            class_sessions__starts_at__lt=timezone.make_aware(datetime.datetime.combine(end, datetime.time.min)),
        )
        .distinct()
        .order_by("first_name", "last_name")
    )
    week = monday.isoformat()
    context = {
        "member": member,
        "credits_left": member_credits_left(member=member) if member else 0,
        "monday": monday,
        "sunday": monday + datetime.timedelta(days=6),
        "days": list(days.items()),
        "today": timezone.localdate(),
        "tags": ClassTag.objects.filter(class_types__isnull=False).distinct().order_by("name"),
        "instructors": instructors,
        "tag": tag,
        "instructor_id": instructor_id,
        "week": week,
        "prev_query": _query(week=(monday - datetime.timedelta(days=7)).isoformat(), tag=tag, instructor=instructor_id),
        "next_query": _query(week=end.isoformat(), tag=tag, instructor=instructor_id),
        "this_week_query": _query(tag=tag, instructor=instructor_id),
        "filtered": bool(tag or instructor_id),
        "week_query": _query(week=week),
    }
    return render(request, "portal/classes/schedule.html", context)


def _session_or_404(pk: int) -> ClassSession:
    try:
        return session_with_counts(session_id=pk)
    except ClassSession.DoesNotExist:
        raise Http404("No such class.") from None


@member_only
@never_cache
@require_GET
def session_detail(request, pk: int):
    session = _session_or_404(pk)
    member = _my_member(request)
    now = timezone.now()
    outlook = booking_outlook(session=session, member=member, now=now) if member else None
    late = bool(
        outlook and outlook.action == "cancel" and outlook.booking and is_late_cancel(outlook.booking, session, now)
    )
    context = {
        "session": session,
        "member": member,
        "outlook": outlook,
        "late_cancel": late,
        "forfeits_credit": late and outlook.booking.credit_id is not None,
        "opens_at": booking_opens_at(session),
        "closes_at": booking_closes_at(session),
        "cutoff_at": cancel_cutoff_at(session),
        "started": session.starts_at <= now,
        "tags": list(session.class_type.tags.all()),
        "credits_left": member_credits_left(member=member) if member else 0,
        "back_week": timezone.localdate(session.starts_at).isoformat(),
    }
    return render(request, "portal/classes/session_detail.html", context)


@member_only
@require_POST
def session_book(request, pk: int):
    """Book a seat, or a waitlist place when the class is full: the service
    decides under a lock, and the message says which one the member got."""
    # Only the ids: the service locks and loads both rows itself.
    session = get_object_or_404(ClassSession.objects.only("pk"), pk=pk)
    member = Member.objects.filter(user=request.user).only("pk").first()
    if member is None:
        messages.error(request, "Your account has no member profile yet; please ask the front desk.")
        return redirect("portal:class_session", pk=pk)
    try:
        booking = booking_create(session=session, member=member, by=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("portal:class_session", pk=pk)
    session = booking.session  # locked and loaded with its class type by the service
    title = f"{session.class_type} on {when(session.starts_at)}"
    if booking.status == Booking.Status.BOOKED:
        paid = "1 class credit used" if booking.credit_id else "included in your plan"
        messages.success(request, f"You are booked: {title} ({paid}). See you there!")
    else:
        place = booking_waitlist_place(booking=booking)
        messages.success(
            request,
            f"{title} is full, so you joined the waitlist: you are number {place}. "
            "If a seat frees up it is yours automatically and we email you.",
        )
    return redirect("portal:class_session", pk=pk)


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@member_only
@require_POST
def booking_cancel_view(request, pk: int):
    member = _my_member(request)
    if member is None:
        raise Http404("No such booking.")
    booking = get_object_or_404(Booking.objects.select_related("session__class_type"), pk=pk, member=member)
    back = _safe_next(request, reverse("portal:class_session", args=[booking.session_id]))
    was_waiting = booking.status == Booking.Status.WAITLISTED
    try:
        booking = booking_cancel(booking=booking, by=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(back)
    title = f"{booking.session.class_type} on {when(booking.session.starts_at)}"
    if was_waiting:
        messages.success(request, f"You left the waitlist for {title}.")
    elif booking.late_cancel:
        tail = " so the class credit is not given back" if booking.credit_id else ""
        messages.warning(request, f"Booking cancelled: {title}. It was a late cancel{tail}.")
    elif booking.credit_returned:
        messages.success(request, f"Booking cancelled: {title}. Your class credit is back.")
    else:
        messages.success(request, f"Booking cancelled: {title}.")
    return redirect(back)


@member_only
@never_cache
@require_GET
def my_bookings(request):
    member = _my_member(request)
    if member is None:
        upcoming, past = [], []
    else:
        upcoming = list(member_bookings(member=member, upcoming=True, include_cancelled=True))
        past = list(member_bookings(member=member, upcoming=False, include_cancelled=True)[:PAST_BOOKINGS_SHOWN])
    now = timezone.now()
    for booking in upcoming:
        session = booking.session
        booking.can_cancel = booking.status in (Booking.Status.BOOKED, Booking.Status.WAITLISTED) and (
            session.starts_at > now
        )
        booking.late = booking.status == Booking.Status.BOOKED and is_late_cancel(booking, session, now)
    context = {
        "member": member,
        "upcoming": upcoming,
        "past": past,
        "past_limit": PAST_BOOKINGS_SHOWN,
        "credits_left": member_credits_left(member=member) if member else 0,
    }
    return render(request, "portal/classes/my_bookings.html", context)
