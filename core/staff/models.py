"""Staff: trainer profiles, their certifications and leave requests.

``Trainer.hourly_rate`` is for admins' eyes only: it is left out of the
history table (whose pages support staff can open); each change of it is an
AuditEvent naming who and when, not the amount. The admin hides the field,
its column and its lookups from everyone but admins.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.common.history import History
from core.common.models import TimeStampedModel
from core.common.money import MoneyField


class Trainer(TimeStampedModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="trainer_profile",
        limit_choices_to={"role": "TRAINER"},
    )
    bio = models.TextField(blank=True, max_length=2000, help_text="Shown to members on the trainer's profile.")
    specialties = models.CharField(
        max_length=255, blank=True, help_text="Comma-separated, e.g. strength, mobility, weight loss."
    )
    hourly_rate = MoneyField(
        null=True, blank=True, help_text="What the gym pays per hour. Only admins see or change it."
    )

    history = History(excluded_fields=["hourly_rate"])

    class Meta:
        ordering = ["user__first_name", "user__last_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hourly_rate__isnull=True) | Q(hourly_rate__gte=0), name="staff_trainer_rate_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.user.full_name or self.user.email

    @property
    def specialty_list(self) -> list[str]:
        return [s.strip() for s in self.specialties.split(",") if s.strip()]


def certification_path(instance, filename: str) -> str:
    # Random names: a file's path reveals nothing and cannot be guessed.
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"staff/certifications/{uuid.uuid4().hex}.{extension}"


class Certification(TimeStampedModel):
    """A trainer's certificate; the file is private (streamed after an access check)."""

    trainer = models.ForeignKey(Trainer, on_delete=models.CASCADE, related_name="certifications")
    title = models.CharField(max_length=120)
    issuer = models.CharField(max_length=120, blank=True)
    expires_on = models.DateField(null=True, blank=True, help_text="Empty if it does not expire.")
    file = models.FileField(upload_to=certification_path, blank=True)
    file_type = models.CharField(max_length=40, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = History()

    class Meta:
        ordering = ["expires_on", "title", "pk"]
        indexes = [models.Index(fields=["expires_on"], name="staff_cert_expires_idx")]

    def __str__(self) -> str:
        return f"{self.title} ({self.trainer})"


class LeaveRequest(TimeStampedModel):
    """A trainer's time off. Approval waits until every class it touches is
    reassigned, moved out of the leave or cancelled (see services.leave)."""

    class Status(models.TextChoices):
        PENDING = "PENDING", "Pending"
        APPROVED = "APPROVED", "Approved"
        DENIED = "DENIED", "Denied"

    # Overlap with another pending or approved leave is refused by the service
    # under a row lock on the trainer (an exclusion constraint would need
    # PostgreSQL's btree_gist; the embedded default is SQLite).
    BLOCKING = (Status.PENDING, Status.APPROVED)

    trainer = models.ForeignKey(Trainer, on_delete=models.PROTECT, related_name="leave_requests")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    decision_note = models.CharField(max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = History()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["trainer", "starts_at"], name="staff_leave_trainer_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="staff_leave_ends_after_start"),
            models.CheckConstraint(
                condition=Q(status__in=["PENDING", "APPROVED", "DENIED"]), name="staff_leave_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="PENDING", decided_at__isnull=True)
                | Q(status__in=["APPROVED", "DENIED"], decided_at__isnull=False),
                name="staff_leave_decided_when_not_pending",
            ),
            models.CheckConstraint(
                condition=~Q(status="DENIED") | ~Q(decision_note=""), name="staff_leave_denial_has_note"
            ),
        ]

    def __str__(self) -> str:
        start, end = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        same_day = start.date() == end.date()
        span = (
            f"{start:%a %d %b %Y %H:%M}–{end:%H:%M}" if same_day else f"{start:%d %b %Y %H:%M} – {end:%d %b %Y %H:%M}"
        )
        return f"{self.trainer}: {span}"
