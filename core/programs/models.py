"""A member's current workout program and diet plan, written by their
trainer (or staff) and read by the member. One of each per member; every
save is one history row with the whole document (see structure.py for why
the days and meals are a validated JSON document)."""

from django.conf import settings
from django.db import models

from core.common.history import History
from core.common.models import TimeStampedModel
from core.programs.structure import clean_days, clean_meals


class ProgramBase(TimeStampedModel):
    member = models.OneToOneField("members.Member", on_delete=models.CASCADE, related_name="+")
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"role": "TRAINER"},
        help_text="The member's trainer when it was last saved.",
    )
    title = models.CharField(max_length=120)
    notes = models.TextField(blank=True, max_length=2000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.title} ({self.member})"


class WorkoutProgram(ProgramBase):
    member = models.OneToOneField("members.Member", on_delete=models.CASCADE, related_name="workout_program")
    days = models.JSONField(default=list, blank=True)

    history = History()

    class Meta:
        ordering = ["-updated_at", "pk"]

    def clean(self) -> None:
        self.days = clean_days(self.days)


class DietPlan(ProgramBase):
    member = models.OneToOneField("members.Member", on_delete=models.CASCADE, related_name="diet_plan")
    meals = models.JSONField(default=list, blank=True)

    history = History()

    class Meta:
        ordering = ["-updated_at", "pk"]

    def clean(self) -> None:
        self.meals = clean_meals(self.meals)
