"""Classes in the admin. This module holds the catalogue (rooms, tags, class
types, which plans include which classes); the rest is split by topic and
registered from here:

- classes_schedules.py: schedules, saved through schedule_create/update, with
  a preview of the next classes before saving;
- classes_sessions.py: the calendar-like list of sessions, reschedule/cancel;
- classes_roster.py: one session's roster, attendance, booking a member in;
- classes_bookings.py: all bookings, cancelling bookings.

The catalogue has no services: rows are plain model forms (full_clean + save);
a room or class type that sessions use cannot be deleted (the admin lists
what protects it): untick "active" instead.
"""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html
from unfold.decorators import display

from admin_site import classes_bookings, classes_schedules, classes_sessions  # noqa: F401  (registers)
from admin_site.base import GymModelAdmin
from core.classes.models import ClassTag, ClassType, Room


@admin.register(Room)
class RoomAdmin(GymModelAdmin):
    list_display = ["name", "capacity", "is_active", "upcoming_classes"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    fields = ["name", "capacity", "is_active"]

    def get_queryset(self, request):
        upcoming = Q(sessions__starts_at__gt=timezone.now(), sessions__status="SCHEDULED")
        return super().get_queryset(request).annotate(upcoming_count=Count("sessions", filter=upcoming))

    @display(description="Upcoming classes", ordering="upcoming_count")
    def upcoming_classes(self, room):
        return room.upcoming_count


@admin.register(ClassTag)
class ClassTagAdmin(GymModelAdmin):
    list_display = ["name", "class_type_count"]
    search_fields = ["name"]
    fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(type_count=Count("class_types"))

    @display(description="Class types", ordering="type_count")
    def class_type_count(self, tag):
        return tag.type_count


@admin.register(ClassType)
class ClassTypeAdmin(GymModelAdmin):
    list_display = [
        "swatch_title", "tag_list", "default_capacity", "default_duration_minutes", "plan_list", "is_active",
    ]  # fmt: skip
    list_filter = ["is_active", "tags", "included_in_plans"]
    search_fields = ["title", "description"]
    filter_horizontal = ["tags", "included_in_plans"]
    fieldsets = [
        (None, {"fields": ["title", "description", "tags", "colour", "is_active"]}),
        ("Defaults for new schedules", {"fields": ["default_capacity", "default_duration_minutes"]}),
        (
            "Included in plans",
            {
                "fields": ["included_in_plans"],
                "description": "Members on these plans book this class free; everyone else uses a class credit.",
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags", "included_in_plans")

    @display(description="Class", ordering="title")
    def swatch_title(self, class_type):
        return format_html(
            '<span style="display:inline-block;width:.7rem;height:.7rem;border-radius:50%;background:{};'
            'margin-right:.4rem"></span>{}',
            class_type.colour,
            class_type.title,
        )

    @display(description="Tags")
    def tag_list(self, class_type):
        return ", ".join(tag.name for tag in class_type.tags.all()) or "-"

    @display(description="Included in")
    def plan_list(self, class_type):
        return ", ".join(plan.name for plan in class_type.included_in_plans.all()) or "No plan (credit)"
