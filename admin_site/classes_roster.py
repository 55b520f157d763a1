"""One class's roster in the admin (admin:classes_classsession_roster): who
holds a seat, then the waitlist in order, with each member's no-show count;
attendance (attended / no-show), cancelling a booking, and booking a member
in by their code. Each button is a small POST form answered with a redirect
and a message; a refused booking comes back beside the code.

Booking a member in needs classes.add_booking; attendance and cancelling
need classes.change_booking (the front desk has both).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from unfold.widgets import UnfoldAdminTextInputWidget

from admin_site.base import validation_messages
from admin_site.service_forms import add_service_error
from core.classes.models import Booking, ClassSession
from core.classes.rules import when
from core.classes.selectors import booking_waitlist_place, session_roster
from core.classes.services.attendance import attendance_mark
from core.classes.services.bookings import booking_cancel, booking_create
from core.members.models import Member

MARKS = {"attended": Booking.Status.ATTENDED, "no_show": Booking.Status.NO_SHOW}


class BookMemberForm(forms.Form):
    member_code = forms.CharField(
        label="Member code",
        max_length=12,
        widget=UnfoldAdminTextInputWidget(attrs={"placeholder": "M00012", "autocomplete": "off"}),
        help_text="Books a seat, or a waitlist place when the class is full; the member's rules apply.",
    )

    def clean_member_code(self):
        code = self.cleaned_data["member_code"].strip()
        self.member = Member.objects.filter(code__iexact=code).select_related("user").first()
        if self.member is None:
            raise ValidationError(f"No member has the code “{code}”.")
        return code


def _name(member: Member) -> str:
    return f"{member.display_name} ({member.code})"


def _book(request, session: ClassSession, form: BookMemberForm) -> bool:
    try:
        booking = booking_create(session=session, member=form.member, by=request.user)
    except ValidationError as exc:
        add_service_error(form, exc, {})
        return False
    if booking.status == Booking.Status.BOOKED:
        messages.success(request, f"{_name(form.member)} is booked on {session.class_type}.")
    else:
        place = booking_waitlist_place(booking=booking)
        messages.success(request, f"The class is full: {_name(form.member)} is number {place} on the waitlist.")
    return True


def _change_booking(request, session: ClassSession, op: str) -> None:
    raw = request.POST.get("booking", "")
    booking = get_object_or_404(
        Booking.objects.select_related("member__user"), pk=int(raw) if raw.isdigit() else None, session=session
    )
    booking.session = session
    try:
        if op == "cancel":
            booking = booking_cancel(booking=booking, by=request.user, reason="Cancelled by the front desk")
            late = " (late cancel: the credit is kept)" if booking.late_cancel and booking.credit_id else ""
            messages.success(request, f"{_name(booking.member)}: booking cancelled{late}.")
        else:
            booking = attendance_mark(booking=booking, status=MARKS[op], by=request.user)
            messages.success(request, f"{_name(booking.member)} marked {booking.get_status_display().lower()}.")
    except ValidationError as exc:
        for text in validation_messages(exc):
            messages.error(request, f"{_name(booking.member)}: {text}")


def roster_view(modeladmin, request, session: ClassSession):
    here = reverse("admin:classes_classsession_roster", args=[session.pk])
    can_book = request.user.has_perm("classes.add_booking")
    can_change = request.user.has_perm("classes.change_booking")
    form = BookMemberForm()
    if request.method == "POST":
        op = request.POST.get("op", "")
        if op == "book":
            if not can_book:
                raise PermissionDenied
            form = BookMemberForm(request.POST)
            if form.is_valid() and _book(request, session, form):
                return redirect(here)
        elif op in ("cancel", *MARKS):
            if not can_change:
                raise PermissionDenied
            _change_booking(request, session, op)
            return redirect(here)
        else:
            return redirect(here)
    now = timezone.now()
    scheduled = session.status == ClassSession.Status.SCHEDULED
    started = session.starts_at <= now
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": f"Roster: {session.class_type}, {when(session.starts_at)}",
        "session": session,
        "roster": list(session_roster(session=session)),
        "form": form,
        "can_book": can_book and scheduled and not started,
        "can_mark": can_change and scheduled and started,
        "can_cancel": can_change and scheduled and not started,
        "can_manage": request.user.has_perm("classes.change_classsession") and scheduled and not started,
        "started": started,
        "bookings_url": reverse("admin:classes_booking_changelist") + f"?session__id__exact={session.pk}",
    }
    return TemplateResponse(request, "admin_site/classes/roster.html", context)
