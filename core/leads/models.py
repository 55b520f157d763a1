from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from core.common.history import History
from core.common.models import TimeStampedModel
from core.common.phone import validate_phone

# Length limits of what the public form accepts (the form and the services use the same numbers).
NAME_MAX = 100
GOALS_MAX = 1000
HEARD_OTHER_MAX = 100
NOTE_MAX = 2000


class Lead(TimeStampedModel):
    """A membership application from the public form: someone staff should
    call back. Stored exactly as typed (templates escape it when shown)."""

    class Status(models.TextChoices):
        NEW = "NEW", "New"
        CONTACTED = "CONTACTED", "Contacted"
        TRIAL = "TRIAL", "On trial"
        CONVERTED = "CONVERTED", "Converted"
        LOST = "LOST", "Lost"

    OPEN_STATUSES = (Status.NEW, Status.CONTACTED, Status.TRIAL)

    class HeardFrom(models.TextChoices):
        FRIEND = "FRIEND", "A friend or a member"
        SOCIAL = "SOCIAL", "Facebook, Instagram or other social media"
        SEARCH = "SEARCH", "Google or another web search"
        WALK_BY = "WALK_BY", "Walked or drove past the gym"
        FLYER = "FLYER", "Flyer, poster or banner"
        OTHER = "OTHER", "Other"

    name = models.CharField(max_length=NAME_MAX)
    email = models.EmailField(max_length=254, db_index=True)
    phone = models.CharField(max_length=20, validators=[validate_phone], db_index=True)
    # Active plans only on the form; a lead keeps its plan if the plan is retired later.
    plan = models.ForeignKey(
        "memberships.Plan", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads",
        verbose_name="interested in",
    )  # fmt: skip
    preferred_start = models.DateField("preferred start", null=True, blank=True)
    goals = models.TextField(blank=True, validators=[MaxLengthValidator(GOALS_MAX)])
    heard_from = models.CharField("heard of us from", max_length=10, choices=HeardFrom.choices)
    heard_from_other = models.CharField("heard of us from (other)", max_length=HEARD_OTHER_MAX, blank=True)
    consented_at = models.DateTimeField(help_text="When the applicant agreed to be contacted.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_leads",
        limit_choices_to={"role__in": ["ADMIN", "SUPPORT"], "is_active": True},
    )  # fmt: skip
    follow_up_on = models.DateField("follow up on", null=True, blank=True, db_index=True)
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads",
        help_text="The member this lead became.",
    )  # fmt: skip
    converted_at = models.DateTimeField(null=True, blank=True)
    # Only to trace abuse of the public form; never shown to the applicant nor kept in history.
    source_ip = models.GenericIPAddressField("submitted from", null=True, blank=True)

    history = History(excluded_fields=["source_ip"])

    class Meta:
        ordering = ["-created_at"]
        # The inbox's duplicate flag looks up other open leads by email, case-insensitively.
        indexes = [models.Index(Lower("email"), name="leads_lead_email_lower_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["NEW", "CONTACTED", "TRIAL", "CONVERTED", "LOST"]),
                name="leads_lead_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="CONVERTED") | models.Q(converted_at__isnull=False),
                name="leads_lead_converted_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name


class LeadNote(models.Model):
    """One entry of a lead's timeline: a call, a visit, a status change."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    text = models.TextField(validators=[MaxLengthValidator(NOTE_MAX)])
    at = models.DateTimeField(default=timezone.now, db_index=True)

    history = History()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%d %b %Y %H:%M}: {self.text[:60]}"
