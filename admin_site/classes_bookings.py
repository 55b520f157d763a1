"""All bookings in the admin: a read-only record (filters by status and class
date), with "Cancel bookings" through booking_cancel (a freed seat goes to
the first member waiting). Members are booked in from a class's roster
(classes_roster.py), where the session is already chosen."""

import datetime

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.decorators import action, display

from admin_site.action_forms import OptionalReasonForm, bulk_action_with_form
from admin_site.base import GymModelAdmin
from core.classes.models import Booking
from core.classes.services.bookings import booking_cancel


class ClassDateFilter(admin.SimpleListFilter):
    title = "class date"
    parameter_name = "class_date"

    def lookups(self, request, model_admin):
        return [("today", "Today"), ("tomorrow", "Tomorrow"), ("week", "Next 7 days"), ("upcoming", "Upcoming"),
                ("past", "Past")]  # fmt: skip

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        now = timezone.now()
        today = timezone.localdate()

        def midnight(offset: int) -> datetime.datetime:
            return timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(offset), datetime.time.min))

        ranges = {"today": (midnight(0), midnight(1)), "tomorrow": (midnight(1), midnight(2)),
                  "week": (now, midnight(8))}  # fmt: skip
        if value in ranges:
            start, end = ranges[value]
            return queryset.filter(session__starts_at__gte=start, session__starts_at__lt=end)
        if value == "upcoming":
            return queryset.filter(session__starts_at__gt=now)
        if value == "past":
            return queryset.filter(session__starts_at__lte=now)
        return queryset


@admin.register(Booking)
class BookingAdmin(GymModelAdmin):
    list_display = ["member_link", "session_link", "session_when", "status_label", "waitlist", "paid_with", "late",
                    "asked"]  # fmt: skip
    list_select_related = ["member__user", "session__class_type", "session__room"]
    list_filter = [ClassDateFilter, "status", "late_cancel", "session__class_type"]
    date_hierarchy = "session__starts_at"
    search_fields = ["member__code", "member__user__first_name", "member__user__last_name", "member__user__email",
                     "session__class_type__title"]  # fmt: skip
    search_help_text = "Member code, name or email, or class"
    ordering = ["-session__starts_at", "waitlist_position", "pk"]
    actions = ["cancel_bookings"]

    def has_add_permission(self, request):
        return False  # book from the class's roster, where the session is chosen

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request)  # a record: change via actions

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead

    def has_cancel_permission(self, request, obj=None):
        return request.user.has_perm("classes.change_booking")

    @display(description="Member", ordering="member__code")
    def member_link(self, booking):
        url = reverse("admin:members_member_change", args=[booking.member_id])
        return format_html('<a href="{}">{}</a> {}', url, booking.member.display_name, booking.member.code)

    @display(description="Class", ordering="session__class_type__title")
    def session_link(self, booking):
        url = reverse("admin:classes_classsession_roster", args=[booking.session_id])
        return format_html('<a class="text-primary-600 underline" href="{}">{}</a>', url, booking.session.class_type)

    @display(description="When", ordering="session__starts_at")
    def session_when(self, booking):
        return f"{timezone.localtime(booking.session.starts_at):%a %d %b %Y, %H:%M} · {booking.session.room}"

    @display(
        description="Status",
        ordering="status",
        label={"BOOKED": "info", "WAITLISTED": "warning", "CANCELLED": "default", "ATTENDED": "success",
               "NO_SHOW": "danger"},
    )  # fmt: skip
    def status_label(self, booking):
        return booking.status, booking.get_status_display()

    @display(description="Waitlist #", ordering="waitlist_position")
    def waitlist(self, booking):
        return booking.waitlist_position or "-"

    @display(description="Late cancel", label={"late": "warning"})
    def late(self, booking):
        return ("late", "Late") if booking.late_cancel else ""

    @display(description="Asked", ordering="created_at")
    def asked(self, booking):
        return f"{timezone.localtime(booking.created_at):%d %b, %H:%M}"

    @display(description="Paid with")
    def paid_with(self, booking):
        if booking.credit_id:
            return "Credit (returned)" if booking.credit_returned else "Class credit"
        return "-" if booking.status == Booking.Status.WAITLISTED else "Plan"

    @action(description="Cancel bookings", permissions=["cancel"])
    def cancel_bookings(self, request, queryset):
        return bulk_action_with_form(
            self, request, queryset.select_related("session", "member__user"), form_class=OptionalReasonForm,
            title="Cancel bookings",
            intro="Each seat is freed and goes to the first member waiting. A seat cancelled after the class's "
            "cutoff is a late cancel: its class credit is not given back.",
            apply=lambda booking, data: booking_cancel(booking=booking, by=request.user, reason=data["reason"]),
            success="{count} booking(s) cancelled.", submit="Cancel bookings",
        )  # fmt: skip
