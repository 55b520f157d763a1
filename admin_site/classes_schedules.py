"""Class schedules in the admin, added and edited only through
schedule_create / schedule_update: they materialise the sessions and refuse
a capacity above the room's, an invalid repeat rule and clashes (naming the
other class). A refusal comes back beside the fields with nothing saved
(ServiceFormAdminMixin).

"Preview next classes" checks the input without saving: it lists the next
starts (core.classes.recurrence) and runs the same service in a savepoint
that is rolled back, so the clash check is exactly the one Save makes.
"""

import datetime

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone
from unfold.decorators import display

from admin_site.base import GymModelAdmin
from admin_site.service_forms import ServiceFormAdminMixin, add_service_error, call_service
from core.accounts.models import User
from core.classes.models import ClassSchedule, ClassSession
from core.classes.recurrence import occurrences, preview
from core.classes.selectors import with_counts
from core.classes.services.schedules import EDITABLE_FIELDS, schedule_create, schedule_update

PREVIEW = "_preview"
PREVIEW_COUNT = 10
NEXT_SESSIONS_SHOWN = 10
WEEKDAYS = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}
RULE_HELP = (
    "Leave empty for a one-off class. Times are the gym's local time. Examples: "
    "FREQ=WEEKLY;BYDAY=MO,WE,FR (every Monday, Wednesday and Friday, no end) · "
    "FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20260630 (… until 30 June 2026) · "
    "FREQ=WEEKLY;BYDAY=TU;COUNT=10 (ten Tuesdays) · "
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA (every other Saturday) · "
    "FREQ=DAILY;COUNT=5 (five days in a row) · "
    "FREQ=MONTHLY;BYDAY=1SA (the first Saturday of each month)."
)
CREATE_FIELDS = [
    "class_type", "instructor", "support_staff", "room", "capacity", "starts_on", "start_time", "duration_minutes",
    "recurrence", *ClassSchedule.POLICY_FIELDS,
]  # fmt: skip


def describe_rule(rule: str) -> str:
    """“Weekly: Mon, Wed, Fri until 30 Jun 2026” for the list; unusual rules as written."""
    if not rule:
        return "One-off"
    parts = dict(chunk.partition("=")[::2] for chunk in rule.split(";") if "=" in chunk)
    freq = {"DAILY": "Daily", "WEEKLY": "Weekly", "MONTHLY": "Monthly", "YEARLY": "Yearly"}.get(parts.get("FREQ"))
    known = {"FREQ", "BYDAY", "INTERVAL", "COUNT", "UNTIL"}
    byday = parts.get("BYDAY", "")
    if freq is None or set(parts) - known or any(day not in WEEKDAYS for day in byday.split(",") if day):
        return rule
    text = freq if parts.get("INTERVAL", "1") == "1" else f"Every {parts['INTERVAL']} {freq.lower()[:-2]}s"
    if freq == "Daily" and parts.get("INTERVAL", "1") != "1":
        text = f"Every {parts['INTERVAL']} days"
    if byday:
        text += ": " + ", ".join(WEEKDAYS[day] for day in byday.split(","))
    if "COUNT" in parts:
        text += f", {parts['COUNT']} times"
    if "UNTIL" in parts:
        try:
            text += f" until {datetime.datetime.strptime(parts['UNTIL'][:8], '%Y%m%d'):%d %b %Y}"
        except ValueError:
            return rule
    return text


def next_starts(*, starts_on, start_time, recurrence: str, count: int = PREVIEW_COUNT) -> list[datetime.datetime]:
    """The next ``count`` starts from now (or from the first day, when it is still to come)."""
    now = timezone.now()
    if starts_on >= timezone.localdate():
        return [start for start in preview(starts_on=starts_on, start_time=start_time, recurrence=recurrence,
                                           count=count) if start > now]  # fmt: skip
    # An older schedule: look ahead a year (a weekly rule shows its next ten; a monthly one fewer).
    found = occurrences(
        starts_on=starts_on, start_time=start_time, recurrence=recurrence,
        after=now, before=now + datetime.timedelta(days=366),
    )  # fmt: skip
    return found[:count]


class _DryRun(Exception):
    """Raised inside the preview's savepoint to roll the service's writes back."""


def schedule_dry_run(form, *, by: User) -> dict:
    """Run the service the Save button would run, then roll it back. Returns
    the next starts and what Save would do; the service's refusal goes on the form."""
    data = form.cleaned_data
    outcome = {"starts": [], "created": None, "flagged": None}
    try:
        outcome["starts"] = next_starts(
            starts_on=data["starts_on"], start_time=data["start_time"], recurrence=data.get("recurrence", "")
        )
    except ValidationError as exc:
        add_service_error(form, ValidationError({"recurrence": exc.messages}), {})
        return outcome
    try:
        with transaction.atomic():
            if form.instance.pk:
                fields = {name: data[name] for name in form.changed_data if name in EDITABLE_FIELDS}
                schedule = schedule_update(schedule=form.instance, by=by, **fields)
                outcome["flagged"] = schedule.sessions.filter(needs_review=True, starts_at__gt=timezone.now()).count()
            else:
                schedule = schedule_create(by=by, **{name: data.get(name) for name in CREATE_FIELDS})
            outcome["created"] = schedule.sessions.filter(status=ClassSession.Status.SCHEDULED).count()
            raise _DryRun
    except _DryRun:
        pass
    except ValidationError as exc:
        add_service_error(form, exc, {})
    return outcome


def _previewing(form_class, *, request):
    class PreviewForm(form_class):
        preview = None

        def is_valid(self):
            if super().is_valid():
                self.preview = schedule_dry_run(self, by=request.user)
                messages.info(request, "Preview only: nothing was saved. The next classes are listed under the form.")
            return False  # a preview never saves: the admin shows the form again

    PreviewForm.__name__ = form_class.__name__
    return PreviewForm


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = ClassSchedule
        fields = ["class_type", "instructor", "support_staff", "room", "capacity", "starts_on", "start_time",
                  "duration_minutes", "recurrence", *ClassSchedule.POLICY_FIELDS, "is_active"]  # fmt: skip
        help_texts = {"recurrence": RULE_HELP}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "start_time" in self.fields:
            self.fields["start_time"].widget.format = "%H:%M"  # 18:00, not 18:00:00
        if self.instance.pk is None:
            for name, what in (("capacity", "capacity"), ("duration_minutes", "length")):
                if name in self.fields:
                    self.fields[name].required = False
                    self.fields[name].help_text = f"Empty: the class type's default {what}" + (
                        " (at most the room's)." if name == "capacity" else "."
                    )


@admin.register(ClassSchedule)
class ClassScheduleAdmin(ServiceFormAdminMixin, GymModelAdmin):
    form = ScheduleForm
    list_display = ["class_type", "time_and_rule", "instructor_name", "room", "capacity", "starts_on", "upcoming",
                    "is_active"]  # fmt: skip
    list_select_related = ["class_type", "instructor", "room"]
    list_filter = ["is_active", "class_type", "room", "instructor"]
    search_fields = ["class_type__title", "instructor__first_name", "instructor__last_name", "room__name"]
    ordering = ["class_type__title", "start_time"]
    readonly_fields = ["next_classes"]
    change_form_after_template = "admin_site/classes/schedule_preview.html"
    fieldsets = [
        ("Class", {"fields": ["class_type", "instructor", "support_staff", "room", "capacity"]}),
        ("When", {"fields": ["starts_on", "start_time", "duration_minutes", "recurrence"]}),
        ("Booking rules", {"fields": list(ClassSchedule.POLICY_FIELDS)}),
        ("Status", {"fields": ["is_active"]}),
        ("Next classes", {"fields": ["next_classes"]}),
    ]

    def get_queryset(self, request):
        upcoming = Q(sessions__starts_at__gt=timezone.now(), sessions__status=ClassSession.Status.SCHEDULED)
        return super().get_queryset(request).annotate(upcoming_count=Count("sessions", filter=upcoming))

    def get_fieldsets(self, request, obj=None):
        if obj is None:  # a new schedule is active; its classes show after saving (or with Preview)
            return [(title, opts) for title, opts in self.fieldsets if title not in ("Status", "Next classes")]
        return self.fieldsets

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "instructor":
            kwargs["queryset"] = User.objects.filter(role=User.Role.TRAINER, is_active=True).order_by("first_name")
        elif db_field.name == "support_staff":
            kwargs["queryset"] = User.objects.filter(role__in=["ADMIN", "SUPPORT", "TRAINER"], is_active=True).order_by(
                "first_name"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if request.method == "POST" and PREVIEW in request.POST:
            return _previewing(form_class, request=request)
        return form_class

    def has_delete_permission(self, request, obj=None):
        return False  # its sessions and bookings stay on record: untick "active" to stop a schedule

    @display(description="When", ordering="start_time")
    def time_and_rule(self, schedule):
        return f"{schedule.start_time:%H:%M} · {describe_rule(schedule.recurrence)}"

    @display(description="Instructor", ordering="instructor__first_name")
    def instructor_name(self, schedule):
        return schedule.instructor.full_name or schedule.instructor.email

    @display(description="Upcoming", ordering="upcoming_count")
    def upcoming(self, schedule):
        return schedule.upcoming_count

    @display(description="Next classes")
    def next_classes(self, schedule):
        if schedule.pk is None:
            return "-"
        sessions = list(
            with_counts(schedule.sessions.filter(ends_at__gt=timezone.now()))
            .select_related("room", "instructor")
            .order_by("starts_at")[:NEXT_SESSIONS_SHOWN]
        )
        try:
            starts = next_starts(
                starts_on=schedule.starts_on, start_time=schedule.start_time, recurrence=schedule.recurrence
            )
        except ValidationError:
            starts = []
        return render_to_string(
            "admin_site/classes/schedule_sessions.html",
            {"sessions": sessions, "starts": starts, "weeks": settings.CLASS_MATERIALISE_WEEKS},
        )

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            fields = {name: data[name] for name in form.changed_data if name in EDITABLE_FIELDS}
            if fields:
                call_service(schedule_update, schedule=obj, by=request.user, **fields)
            flagged = obj.sessions.filter(needs_review=True, starts_at__gt=timezone.now()).count()
            if flagged:
                messages.warning(
                    request,
                    f"{flagged} booked class{'es' if flagged != 1 else ''} kept the old details and need review: "
                    "see Classes › Needs review.",
                )
        else:
            schedule = call_service(
                schedule_create, by=request.user, **{name: data.get(name) for name in CREATE_FIELDS}
            )
            obj.pk = schedule.pk
            made = schedule.sessions.count()
            messages.info(request, f"{made} class{'es' if made != 1 else ''} created for the coming weeks.")
        obj.refresh_from_db()
