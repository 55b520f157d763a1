"""Classes: the catalogue (rooms, tags, class types), schedules that repeat,
the sessions they materialise, and members' bookings.

Rules that need the database to hold them are constraints here; the rules
that need a lock (never more BOOKED than capacity) live in the services.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from core.classes.recurrence import parse_rule
from core.common.history import History
from core.common.models import TimeStampedModel

TRAINER_ONLY = {"role": "TRAINER"}
STAFF_ONLY = {"role__in": ["ADMIN", "SUPPORT", "TRAINER"]}
colour_validator = RegexValidator(r"^#[0-9A-Fa-f]{6}$", "Write the colour as # and six hex digits, e.g. #7c3aed.")


class Room(TimeStampedModel):
    name = models.CharField(max_length=60, unique=True)
    capacity = models.PositiveSmallIntegerField(help_text="Most people the room holds for a class.")
    is_active = models.BooleanField(default=True)

    history = History()

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(capacity__gte=1), name="classes_room_capacity_positive")]

    def __str__(self) -> str:
        return self.name


class ClassTag(TimeStampedModel):
    """A label members filter the timetable by: strength, cardio, mind-body..."""

    name = models.CharField(max_length=40)

    history = History()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="classes_tag_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class ClassType(TimeStampedModel):
    title = models.CharField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    tags = models.ManyToManyField(ClassTag, blank=True, related_name="class_types")
    default_capacity = models.PositiveSmallIntegerField(default=20, validators=[MinValueValidator(1)])
    default_duration_minutes = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(5), MaxValueValidator(600)]
    )
    colour = models.CharField(max_length=7, default="#7c3aed", validators=[colour_validator])
    is_active = models.BooleanField(default=True, help_text="Inactive class types cannot be scheduled.")
    included_in_plans = models.ManyToManyField(
        "memberships.Plan",
        blank=True,
        related_name="included_class_types",
        help_text="Members on these plans book this class without using a class credit.",
    )

    history = History(m2m_fields=[tags, included_in_plans])

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=Q(default_capacity__gte=1), name="classes_type_capacity_positive"),
            models.CheckConstraint(condition=Q(default_duration_minutes__gte=1), name="classes_type_duration_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class BookingPolicy(models.Model):
    """The booking window, cancellation cutoff and weekly limit. Sessions keep
    their own copy, so a later schedule edit never changes them silently."""

    booking_opens_days = models.PositiveSmallIntegerField(
        default=7, validators=[MaxValueValidator(90)], help_text="Booking opens this many days before the start."
    )
    booking_closes_minutes = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(24 * 60)],
        help_text="Booking closes this many minutes before the start.",
    )
    cancel_cutoff_hours = models.PositiveSmallIntegerField(
        default=12,
        validators=[MaxValueValidator(14 * 24)],
        help_text="Cancelling later than this many hours before the start is a late cancel: the credit is forfeited.",
    )
    weekly_limit = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Most bookings a member may hold for this class type per week (Monday to Sunday). Empty: no limit.",
    )

    POLICY_FIELDS = ("booking_opens_days", "booking_closes_minutes", "cancel_cutoff_hours", "weekly_limit")

    class Meta:
        abstract = True


class ClassSchedule(TimeStampedModel, BookingPolicy):
    """A one-off class (empty ``recurrence``) or a repeating one (an RFC 5545
    RRULE such as ``FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20260630``), in the gym's
    local time. Sessions are materialised from it ahead of time."""

    class_type = models.ForeignKey(ClassType, on_delete=models.PROTECT, related_name="schedules")
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="class_schedules",
        limit_choices_to=TRAINER_ONLY,
    )
    support_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supported_class_schedules",
        limit_choices_to=STAFF_ONLY,
    )
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="schedules")
    capacity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    starts_on = models.DateField(help_text="The first day (local date).")
    start_time = models.TimeField(help_text="Local start time.")
    duration_minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(5), MaxValueValidator(600)])
    recurrence = models.CharField(
        "repeat rule",
        max_length=255,
        blank=True,
        help_text="Empty for a one-off class. E.g. FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20260630 "
        "or FREQ=WEEKLY;BYDAY=TU;COUNT=10.",
    )
    is_active = models.BooleanField(
        default=True,
        help_text="Untick to stop the schedule: unbooked future classes are removed, booked ones flagged for review.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = History()

    class Meta:
        ordering = ["class_type__title", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="classes_schedule_capacity_positive"),
            models.CheckConstraint(condition=Q(duration_minutes__gte=1), name="classes_schedule_duration_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.class_type} at {self.start_time:%H:%M} ({self.room})"

    def clean(self) -> None:
        errors = {}
        if self.room_id and self.capacity and self.capacity > self.room.capacity:
            errors["capacity"] = (
                f"{self.room} holds {self.room.capacity} people; the capacity cannot be more than that "
                f"(it is {self.capacity})."
            )
        if self.starts_on and self.start_time and self.recurrence:
            try:
                self.recurrence = parse_rule(self.recurrence, starts_on=self.starts_on, start_time=self.start_time).text
            except ValidationError as exc:
                errors["recurrence"] = exc.messages
        if errors:
            raise ValidationError(errors)


class ClassSession(TimeStampedModel, BookingPolicy):
    """One class on one day. A schedule's session is keyed by the start the
    schedule planned for it (``occurrence``), so materialising is idempotent
    and a rescheduled or cancelled session is never made again."""

    class Status(models.TextChoices):
        SCHEDULED = "SCHEDULED", "Scheduled"
        CANCELLED = "CANCELLED", "Cancelled"

    schedule = models.ForeignKey(
        ClassSchedule, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    occurrence = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="The start the schedule planned (the session's key)."
    )
    class_type = models.ForeignKey(ClassType, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="sessions")
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="class_sessions", limit_choices_to=TRAINER_ONLY
    )
    support_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supported_class_sessions",
        limit_choices_to=STAFF_ONLY,
    )
    capacity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED, db_index=True)
    reason = models.CharField(max_length=255, blank=True, help_text="Why the class was rescheduled or cancelled.")
    needs_review = models.BooleanField(
        default=False, db_index=True, help_text="The schedule changed but members had booked: decide what to do."
    )
    review_note = models.CharField(max_length=500, blank=True)
    change_count = models.PositiveIntegerField(
        default=0, help_text="Reschedules and cancellation so far; each one notifies members once."
    )
    rescheduled_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = History()

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["room", "starts_at"], name="classes_session_room_idx"),
            models.Index(fields=["instructor", "starts_at"], name="classes_session_instr_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "occurrence"],
                condition=Q(schedule__isnull=False),
                name="classes_session_one_per_occurrence",
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="classes_session_ends_after"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="classes_session_capacity_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["SCHEDULED", "CANCELLED"]), name="classes_session_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="SCHEDULED") | ~Q(reason=""), name="classes_session_cancel_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.class_type} {timezone.localtime(self.starts_at):%a %d %b %Y %H:%M} ({self.room})"

    @property
    def duration(self):
        return self.ends_at - self.starts_at


class Booking(TimeStampedModel):
    """A member's place in a session, or in its waitlist. ``created_at`` is
    when it was asked for; ``waitlist_position`` orders the waitlist and is
    kept after promotion, so the order stays on record."""

    class Status(models.TextChoices):
        BOOKED = "BOOKED", "Booked"
        WAITLISTED = "WAITLISTED", "On the waitlist"
        CANCELLED = "CANCELLED", "Cancelled"
        ATTENDED = "ATTENDED", "Attended"
        NO_SHOW = "NO_SHOW", "No-show"

    LIVE = (Status.BOOKED, Status.WAITLISTED, Status.ATTENDED, Status.NO_SHOW)
    HOLDS_SEAT = (Status.BOOKED, Status.ATTENDED, Status.NO_SHOW)

    session = models.ForeignKey(ClassSession, on_delete=models.PROTECT, related_name="bookings")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="bookings")
    status = models.CharField(max_length=10, choices=Status.choices, db_index=True)
    waitlist_position = models.PositiveIntegerField(null=True, blank=True)
    credit = models.ForeignKey(
        "billing.ClassCredit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bookings",
        help_text="The class credit this booking used (empty when the plan includes the class).",
    )
    credit_returned = models.BooleanField(default=False)
    booked_at = models.DateTimeField(null=True, blank=True, help_text="When the member got a seat.")
    promoted = models.BooleanField(default=False, help_text="The seat came from the waitlist.")
    late_cancel = models.BooleanField(default=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=255, blank=True)
    attendance_marked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = History()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["session", "status"], name="classes_booking_session_idx"),
            models.Index(fields=["member", "status"], name="classes_booking_member_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"],
                condition=~Q(status="CANCELLED"),
                name="classes_booking_one_live_per_member",
            ),
            models.UniqueConstraint(
                fields=["session", "waitlist_position"],
                condition=Q(waitlist_position__isnull=False),
                name="classes_booking_waitlist_position_unique",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["BOOKED", "WAITLISTED", "CANCELLED", "ATTENDED", "NO_SHOW"]),
                name="classes_booking_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="WAITLISTED") | Q(waitlist_position__isnull=False, credit__isnull=True),
                name="classes_booking_waitlist_has_position_no_credit",
            ),
            models.CheckConstraint(
                condition=Q(late_cancel=False) | Q(status="CANCELLED"), name="classes_booking_late_only_cancelled"
            ),
            models.CheckConstraint(
                condition=Q(credit_returned=False) | Q(credit__isnull=False, status="CANCELLED"),
                name="classes_booking_returned_credit_cancelled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} – {self.session} ({self.get_status_display()})"
