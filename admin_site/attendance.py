"""Check-ins in the admin: the live view ("who is in now" above today's
check-ins, newest first) and the front desk's manual check-in page."""

import datetime

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from unfold.admin import ModelAdmin
from unfold.decorators import display
from unfold.widgets import UnfoldAdminTextInputWidget

from admin_site.paginators import EstimatedCountPaginator
from admin_site.service_forms import add_service_error
from core.attendance.models import CheckIn
from core.attendance.selectors import checkin_counts, checkins_latest, start_of_day, who_is_in_now
from core.attendance.services import checkin_manual
from core.members.models import Member


class WhenFilter(admin.SimpleListFilter):
    title = "when"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("today", "Today"), ("yesterday", "Yesterday"), ("week", "Last 7 days")]

    def queryset(self, request, queryset):
        today = start_of_day(timezone.localdate())
        ranges = {
            "today": (today, today + datetime.timedelta(days=1)),
            "yesterday": (today - datetime.timedelta(days=1), today),
            "week": (today - datetime.timedelta(days=6), today + datetime.timedelta(days=1)),
        }
        if self.value() in ranges:
            start, end = ranges[self.value()]
            return queryset.filter(at__gte=start, at__lt=end)
        return queryset


class ManualCheckInForm(forms.Form):
    member = forms.CharField(
        label="Member",
        max_length=40,
        widget=UnfoldAdminTextInputWidget(attrs={"autofocus": True}),
        help_text="Member code (M00012), fingerprint ID or phone number.",
    )
    note = forms.CharField(max_length=255, required=False, widget=UnfoldAdminTextInputWidget)

    def clean_member(self):
        text = self.cleaned_data["member"].strip()
        matches = list(
            Member.objects.filter(
                Q(code__iexact=text) | Q(biometric_id=text) | Q(phone=text) | Q(phone__endswith=text)
            ).select_related("user")[:2]
        )
        if not matches:
            raise ValidationError(f"No member with the code, fingerprint ID or phone “{text}”.")
        if len(matches) > 1:
            raise ValidationError(f"“{text}” matches more than one member: use the member code.")
        return matches[0]


@admin.register(CheckIn)
class CheckInAdmin(ModelAdmin):
    """Check-ins are an event log: written by the device ingest and the desk
    service, never edited here."""

    list_display = ["at", "who", "biometric_id", "source", "result_badge", "reason", "note"]
    list_filter = [WhenFilter, "result", "source", "reason"]
    list_select_related = ["member__user"]
    search_fields = ["member__code", "member__user__first_name", "member__user__last_name", "biometric_id"]
    search_help_text = "Member code, name or fingerprint ID"
    ordering = ["-at", "-pk"]
    list_per_page = 50
    show_full_result_count = False
    paginator = EstimatedCountPaginator  # millions of rows: no exact COUNT(*) of the whole log
    list_before_template = "admin_site/attendance/live.html"
    readonly_fields = ["member", "biometric_id", "at", "source", "result", "reason", "note", "created_by", "created_at"]

    @display(description="Member", ordering="member__code")
    def who(self, obj):
        return str(obj.member) if obj.member_id else "Unknown ID"

    @display(description="Result", ordering="result", label={"ALLOWED": "success", "DENIED": "danger"})
    def result_badge(self, obj):
        return obj.result, obj.get_result_display()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _live_context(self, request) -> dict:
        return {
            "present": who_is_in_now(),
            "counts": checkin_counts(),
            "latest": checkins_latest(),
            "presence_minutes": settings.CHECKIN_PRESENCE_MINUTES,
            "refresh_seconds": settings.CHECKIN_LIVE_REFRESH_SECONDS,
            "live_url": reverse("admin:attendance_checkin_live"),
            "manual_url": reverse("admin:attendance_checkin_manual"),
            "can_check_in": self.has_add_permission(request),
        }

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), **self._live_context(request)})

    def live_view(self, request):
        """The "who is in now" panel alone, fetched by the changelist every few seconds."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return TemplateResponse(request, "admin_site/attendance/live_panel.html", self._live_context(request))

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("admin:attendance_checkin_manual")

    def get_urls(self):
        manual = path("manual/", self.admin_site.admin_view(self.manual_view), name="attendance_checkin_manual")
        live = path("live/", self.admin_site.admin_view(self.live_view), name="attendance_checkin_live")
        return [manual, live, *super().get_urls()]

    def manual_view(self, request):
        """The desk checks a member in: the attempt is recorded ALLOWED or DENIED with the reason."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ManualCheckInForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            member = form.cleaned_data["member"]
            try:
                checkin = checkin_manual(member=member, by=request.user, note=form.cleaned_data["note"])
            except ValidationError as exc:
                add_service_error(form, exc, {})
            else:
                if checkin.result == CheckIn.Result.ALLOWED:
                    self.message_user(request, f"{member} checked in.", messages.SUCCESS)
                else:
                    self.message_user(
                        request, f"{member} NOT let in: {checkin.get_reason_display()}.", messages.WARNING
                    )
                return redirect("admin:attendance_checkin_manual")
        context = {
            **self.admin_site.each_context(request),
            "title": "Check a member in",
            "form": form,
            "opts": self.model._meta,
            "recent": CheckIn.objects.filter(source=CheckIn.Source.MANUAL).select_related("member__user")[:10],
            "changelist_url": reverse("admin:attendance_checkin_changelist") + "?when=today",
        }
        return TemplateResponse(request, "admin_site/attendance/manual_checkin.html", context)
