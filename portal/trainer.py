"""The trainer's portal: my schedule (classes to come with fill and roster),
moving or cancelling my class with a reason, and marking attendance.

Every lookup goes through the trainer's own classes, so another trainer's
class is a 404 (ids cannot be probed); the classes services check again and
tell the members. Clients and programs are in trainer_clients.py, profile
and leave in trainer_profile.py.
"""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.accounts.models import User
from core.classes.models import Booking, ClassSession
from core.classes.selectors import session_roster, session_with_counts, sessions_between
from core.classes.services.attendance import attendance_mark
from core.classes.services.sessions import session_cancel, session_reschedule
from core.programs.selectors import trainer_clients
from core.staff.models import LeaveRequest
from portal.access import role_required

trainer_only = role_required(User.Role.TRAINER)
SCHEDULE_DAYS = 14
RECENT_DAYS = 3  # classes that ended lately stay listed, for marking attendance


class RescheduleForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="New start",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(max_length=255, help_text="Members read it in their email.")


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=255, help_text="Members read it in their email; credits are given back.")


class MarkForm(forms.Form):
    booking = forms.IntegerField()
    status = forms.ChoiceField(choices=[(Booking.Status.ATTENDED, "Attended"), (Booking.Status.NO_SHOW, "No-show")])


def add_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form, beside the field it names where there is one."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def my_session(request, pk: int) -> ClassSession:
    """One of the trainer's own classes, with its counts; 404 for anyone else's."""
    get_object_or_404(ClassSession.objects.filter(instructor=request.user), pk=pk)
    return session_with_counts(session_id=pk)


@trainer_only
@never_cache
@require_GET
def home(request):
    """My schedule: the next two weeks, and the last days' classes for attendance."""
    now = timezone.now()
    sessions = sessions_between(
        start=now - datetime.timedelta(days=RECENT_DAYS),
        end=now + datetime.timedelta(days=SCHEDULE_DAYS),
        instructor=request.user,
    )
    upcoming = [s for s in sessions if s.ends_at > now]
    recent = [s for s in sessions if s.ends_at <= now and s.status == ClassSession.Status.SCHEDULED]
    context = {
        "upcoming": upcoming,
        "recent": list(reversed(recent)),
        "now": now,
        "client_count": trainer_clients(user=request.user).count(),
        "pending_leave": LeaveRequest.objects.filter(
            trainer__user=request.user, status=LeaveRequest.Status.PENDING
        ).count(),
    }
    return render(request, "portal/trainer_home.html", context)


def _session_page(request, session: ClassSession, *, reschedule=None, cancel=None, status: int = 200):
    now = timezone.now()
    changeable = session.status == ClassSession.Status.SCHEDULED and session.starts_at > now
    local_start = timezone.localtime(session.starts_at)
    context = {
        "session": session,
        "roster": list(session_roster(session=session)),
        "changeable": changeable,
        "can_mark": session.status == ClassSession.Status.SCHEDULED and session.starts_at <= now,
        "reschedule_form": reschedule or RescheduleForm(initial={"starts_at": local_start.replace(tzinfo=None)}),
        "cancel_form": cancel or CancelForm(),
    }
    return render(request, "portal/trainer/session.html", context, status=status)


@trainer_only
@never_cache
@require_GET
def session_detail(request, pk: int):
    return _session_page(request, my_session(request, pk))


@trainer_only
@require_POST
def session_reschedule_view(request, pk: int):
    session = my_session(request, pk)
    form = RescheduleForm(request.POST)
    if form.is_valid():
        try:
            session_reschedule(
                session=session, starts_at=form.cleaned_data["starts_at"], reason=form.cleaned_data["reason"],
                by=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Class moved; booked and waitlisted members are told by email.")
            return redirect("portal:trainer_session", pk=session.pk)
    return _session_page(request, session, reschedule=form, status=400)


@trainer_only
@require_POST
def session_cancel_view(request, pk: int):
    session = my_session(request, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            session_cancel(session=session, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Class cancelled; members are told and their credits given back.")
            return redirect("portal:trainer_session", pk=session.pk)
    return _session_page(request, session, cancel=form, status=400)


@trainer_only
@require_POST
def session_mark_view(request, pk: int):
    session = my_session(request, pk)
    form = MarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose attended or no-show for a member on the roster.")
        return redirect("portal:trainer_session", pk=session.pk)
    booking = get_object_or_404(Booking, pk=form.cleaned_data["booking"], session=session)
    try:
        booking = attendance_mark(booking=booking, status=form.cleaned_data["status"], by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{booking.member.display_name}: {booking.get_status_display().lower()}.")
    return redirect("portal:trainer_session", pk=session.pk)
