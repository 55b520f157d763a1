from django.conf import settings
from django.db import models

from core.common.history import History
from core.common.models import TimeStampedModel
from core.common.money import MoneyField


class Facility(TimeStampedModel):
    """Something a plan can include: sauna, pool, locker..."""

    name = models.CharField(max_length=60, unique=True)
    description = models.CharField(max_length=255, blank=True)

    history = History()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "facilities"

    def __str__(self) -> str:
        return self.name


class Plan(TimeStampedModel):
    class IntervalUnit(models.TextChoices):
        DAY = "DAY", "day(s)"
        WEEK = "WEEK", "week(s)"
        MONTH = "MONTH", "month(s)"
        YEAR = "YEAR", "year(s)"

    name = models.CharField(max_length=80, unique=True)
    price = MoneyField()
    interval_count = models.PositiveSmallIntegerField(default=1)
    interval_unit = models.CharField(max_length=5, choices=IntervalUnit.choices, default=IntervalUnit.MONTH)
    perks = models.TextField(blank=True, help_text="What members get, shown on their page.")
    facilities = models.ManyToManyField(Facility, blank=True, related_name="plans")
    class_credits = models.PositiveSmallIntegerField(default=0, help_text="Class credits included per term.")
    is_active = models.BooleanField(
        default=True, help_text="Inactive plans cannot be sold; existing members keep them."
    )

    history = History(m2m_fields=[facilities])

    class Meta:
        ordering = ["price", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="memberships_plan_price_not_negative"),
            models.CheckConstraint(
                condition=models.Q(interval_count__gte=1), name="memberships_plan_interval_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def interval_label(self) -> str:
        unit = self.get_interval_unit_display().replace("(s)", "" if self.interval_count == 1 else "s")
        return f"{self.interval_count} {unit}"


class Membership(TimeStampedModel):
    """One term of a plan for a member. Renewals chain through ``renewed_from``."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", "Active"
        CANCELLED = "CANCELLED", "Cancelled"

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="memberships")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="memberships")
    starts_on = models.DateField()
    ends_on = models.DateField(db_index=True)
    price = MoneyField(help_text="The plan price when sold (later plan price changes do not affect it).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    renewed_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="renewal"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=255, blank=True)
    invoice = models.ForeignKey(
        "billing.Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
        help_text="The invoice that pays this term. Empty for terms paid before GymOS (imports) or given free.",
    )

    history = History()

    class Meta:
        ordering = ["-starts_on"]
        indexes = [
            models.Index(fields=["member", "starts_on", "ends_on"], name="membership_member_dates_idx"),
            # The admin list's order (newest first, pk to break ties): 50 rows by index, not a sort of every term.
            models.Index(fields=["starts_on", "id"], name="membership_starts_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="membership_ends_after_start"
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="membership_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.starts_on:%d %b %Y} – {self.ends_on:%d %b %Y}"


class MembershipFreeze(TimeStampedModel):
    """A pause: the member cannot book or check in, and ``ends_on`` of the
    membership moved out by the frozen days when the freeze was made."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="freezes")
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = History()

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="freeze_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"Freeze {self.starts_on:%d %b %Y} – {self.ends_on:%d %b %Y}"

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1
