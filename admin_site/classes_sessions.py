"""Class sessions in the admin: a calendar-like list (by day or week through
the date bar; upcoming classes by default) with the fill of each class, in a
fixed number of queries. A session's page changes only its instructor and
capacity, through their services; sessions are made by schedules.
Reschedule, cancel, clear review and the roster: classes_session_actions.py.

Support staff see sessions, book members in and mark attendance (roster);
moving or cancelling a class needs classes.change_classsession (admins).
"""

import datetime

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.decorators import display

from admin_site.base import GymModelAdmin
from admin_site.classes_session_actions import SessionActionsMixin
from admin_site.service_forms import ServiceFormAdminMixin, call_service
from core.accounts.models import User
from core.classes.models import ClassSession
from core.classes.selectors import sessions_needing_review, with_counts
from core.classes.services.sessions import session_assign_instructor, session_set_capacity


def needs_review_badge() -> str:
    """The sidebar count of future classes flagged for review ("" hides it)."""
    count = sessions_needing_review().count()
    return str(count) if count else ""


class WhenFilter(admin.SimpleListFilter):
    """Upcoming classes unless asked otherwise; picking a day or month in the
    date bar shows all of that period instead."""

    title = "when"
    parameter_name = "when"
    default = "upcoming"

    def __init__(self, request, params, model, model_admin):
        self.drilling = any(key.startswith("starts_at__") for key in request.GET)
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [("upcoming", "Upcoming"), ("today", "Today"), ("week", "This week"), ("next_week", "Next week"),
                ("past", "Past"), ("all", "All")]  # fmt: skip

    def choices(self, changelist):
        current = self.value() or ("all" if self.drilling else self.default)
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or ("all" if self.drilling else self.default)
        now = timezone.now()
        today = timezone.localdate()
        monday = today - datetime.timedelta(days=today.weekday())

        def midnight(day):
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

        if value == "upcoming":
            return queryset.filter(ends_at__gt=now)
        if value == "today":
            return queryset.filter(
                starts_at__gte=midnight(today), starts_at__lt=midnight(today + datetime.timedelta(1))
            )
        if value in ("week", "next_week"):
            start = monday + datetime.timedelta(days=7 if value == "next_week" else 0)
            return queryset.filter(
                starts_at__gte=midnight(start), starts_at__lt=midnight(start + datetime.timedelta(7))
            )
        if value == "past":
            return queryset.filter(ends_at__lte=now)
        return queryset


class SessionForm(forms.ModelForm):
    class Meta:
        model = ClassSession
        fields = ["instructor", "capacity"]


@admin.register(ClassSession)
class ClassSessionAdmin(SessionActionsMixin, ServiceFormAdminMixin, GymModelAdmin):
    form = SessionForm
    list_display = ["when", "class_title", "instructor_name", "room", "fill", "waitlist", "status_label", "review",
                    "roster_link"]  # fmt: skip
    list_display_links = ["when"]
    list_filter = [WhenFilter, "status", "needs_review", "class_type", "room", "instructor"]
    date_hierarchy = "starts_at"
    ordering = ["starts_at", "pk"]
    # 50 like every list (about a week of classes): rendering a row costs ~1.5 ms under unfold,
    # and 100 rows kept the page over its 150 ms budget (bench/, issue 11).
    list_per_page = 50
    search_fields = ["class_type__title", "instructor__first_name", "instructor__last_name", "room__name"]
    search_help_text = "Class, instructor or room"
    readonly_fields = [
        "class_type", "schedule", "when_display", "room", "support_staff", "status", "reason", "needs_review",
        "review_note", "booking_opens_days", "booking_closes_minutes", "cancel_cutoff_hours", "weekly_limit",
        "fill_summary",
    ]  # fmt: skip
    fieldsets = [
        ("Class", {"fields": ["class_type", "schedule", "when_display", "room", "instructor", "support_staff"]}),
        ("Places", {"fields": ["capacity", "fill_summary"]}),
        ("Status", {"fields": ["status", "reason", "needs_review", "review_note"]}),
        ("Booking rules", {"fields": list(ClassSession.POLICY_FIELDS)}),
    ]
    actions = ["reschedule", "cancel_sessions", "clear_review"]
    actions_detail = ["roster", "reschedule_one", "cancel_one", "clear_review_one"]

    def get_queryset(self, request):
        return with_counts(super().get_queryset(request)).select_related("class_type", "room", "instructor")

    def get_ordering(self, request):
        # Past classes read backwards from the latest; everything else forwards from the soonest.
        return ["-starts_at", "-pk"] if request.GET.get("when") == "past" else self.ordering

    def has_add_permission(self, request):
        return False  # sessions come from schedules: add a one-off schedule for a single class

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: members are told and credits given back

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "instructor":
            kwargs["queryset"] = User.objects.filter(role=User.Role.TRAINER, is_active=True).order_by("first_name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # --- the list -------------------------------------------------------------------------

    @display(description="When", ordering="starts_at")
    def when(self, session):
        start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
        return f"{start:%a %d %b, %H:%M}–{end:%H:%M}"

    @display(description="Class", ordering="class_type__title")
    def class_title(self, session):
        return format_html(
            '<span style="display:inline-block;width:.6rem;height:.6rem;border-radius:50%;background:{};'
            'margin-right:.35rem"></span>{}',
            session.class_type.colour,
            session.class_type.title,
        )

    @display(description="Instructor", ordering="instructor__first_name")
    def instructor_name(self, session):
        return session.instructor.full_name or session.instructor.email

    @display(description="Booked", ordering="booked_count", label={"full": "warning", "open": "success"})
    def fill(self, session):
        return ("full" if session.spots_left == 0 else "open"), f"{session.booked_count}/{session.capacity}"

    @display(description="Waitlist", ordering="waitlist_count")
    def waitlist(self, session):
        return session.waitlist_count or "-"

    @display(description="Status", ordering="status", label={"SCHEDULED": "info", "CANCELLED": "danger"})
    def status_label(self, session):
        return session.status, session.get_status_display()

    @display(description="Review", label={"review": "warning"})
    def review(self, session):
        return ("review", "Needs review") if session.needs_review else ""

    @display(description="Roster")
    def roster_link(self, session):
        url = reverse("admin:classes_classsession_roster", args=[session.pk])
        return format_html('<a class="text-primary-600 underline" href="{}">Roster</a>', url)

    @display(description="When")
    def when_display(self, session):
        start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
        return f"{start:%A %d %b %Y, %H:%M}–{end:%H:%M} (gym time)"

    @display(description="Booked")
    def fill_summary(self, session):
        return f"{session.booked_count} booked of {session.capacity}, {session.waitlist_count} on the waitlist"

    # --- the session page: instructor and capacity through their services -------------------

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if "instructor" in form.changed_data:
            call_service(session_assign_instructor, session=obj, instructor=data["instructor"], by=request.user)
        if "capacity" in form.changed_data:
            call_service(session_set_capacity, session=obj, capacity=data["capacity"], by=request.user)
        obj.refresh_from_db()
