import uuid

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Coalesce

from core.common.history import History
from core.common.models import TimeStampedModel
from core.common.phone import validate_phone


class HealthFlag(TimeStampedModel):
    """A health condition staff and trainers should know about (asthma, knee injury...)."""

    name = models.CharField(max_length=60, unique=True)
    description = models.CharField(max_length=255, blank=True)
    is_active = models.BooleanField(default=True)

    history = History()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MemberQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)


class MemberManager(models.Manager.from_queryset(MemberQuerySet)):
    """The default manager: soft-deleted members vanish from every list,
    search and selector. ``Member.all_objects`` sees them too."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


def member_photo_path(instance, filename: str) -> str:
    # Random names: a photo's path reveals nothing and cannot be guessed.
    return f"members/photos/{uuid.uuid4().hex}.jpg"


class Member(TimeStampedModel):
    """A gym member's profile. Name and email live on the login (``user``);
    after a retention purge the user is gone and only the code remains."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", "Active"
        INACTIVE = "INACTIVE", "Inactive"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="member"
    )
    code = models.CharField(max_length=12, unique=True, editable=False)
    phone = models.CharField(max_length=20, blank=True, validators=[validate_phone], db_index=True)
    whatsapp_opt_in = models.BooleanField(
        "WhatsApp reminders", default=False, help_text="The member agreed to receive reminders on WhatsApp."
    )
    date_of_birth = models.DateField(null=True, blank=True)
    address = models.CharField(max_length=255, blank=True)
    photo = models.ImageField(upload_to=member_photo_path, blank=True)
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_relation = models.CharField(max_length=60, blank=True)
    emergency_contact_phone = models.CharField(max_length=20, blank=True, validators=[validate_phone])
    health_flags = models.ManyToManyField(HealthFlag, blank=True, related_name="members")
    health_notes = models.TextField(blank=True, help_text="Visible to staff and the assigned trainer only.")
    biometric_id = models.CharField(
        "fingerprint user ID",
        max_length=24,
        null=True,
        blank=True,
        unique=True,
        help_text="The user ID this member is enrolled under on the fingerprint device.",
    )
    assigned_trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clients",
        limit_choices_to={"role": "TRAINER"},
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INACTIVE, db_index=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    suspended_reason = models.CharField(
        max_length=255, blank=True, help_text="When set, the member stays inactive whatever their membership."
    )
    joined_on = models.DateField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    # The last allowed check-in, kept by core.attendance (members_note_visits) on every write of
    # one, so the churn-risk report reads one row per member instead of two million check-ins.
    last_visit_at = models.DateTimeField(null=True, blank=True, editable=False)

    # A visit is not a change to the profile: it never writes a history row.
    history = History(m2m_fields=[health_flags], excluded_fields=["last_visit_at"])

    objects = MemberManager()
    all_objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        base_manager_name = "all_objects"
        indexes = [
            # Churn risk (core.reports.attendance): active members by last visit, or joining if
            # they never came; counted over a range and listed in this order, from the index.
            models.Index(
                Coalesce("last_visit_at", "created_at"),
                F("code"),
                name="member_active_seen_idx",
                condition=models.Q(status="ACTIVE", deleted_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["ACTIVE", "INACTIVE"]), name="members_member_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"

    @property
    def display_name(self) -> str:
        if self.user_id is None:
            return "(personal data removed)" if self.purged_at else "(no account)"
        return self.user.full_name or self.user.email

    @property
    def email(self) -> str:
        return self.user.email if self.user_id else ""
