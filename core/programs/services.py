"""Saving a member's workout program and diet plan: only their assigned
trainer, or staff allowed to change programs. Each save that changes
something is one history row naming who saved it; a save that changes
nothing writes nothing."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.accounts.models import User
from core.members.models import Member
from core.programs.models import DietPlan, ProgramBase, WorkoutProgram
from core.programs.structure import clean_days, clean_meals


def may_write_programs(by: User, member: Member) -> bool:
    """The member's assigned trainer (while active), or staff with the right permission."""
    if by.role == User.Role.TRAINER:
        return by.is_active and member.assigned_trainer_id == by.pk
    return by.is_staff and by.has_perm("programs.change_workoutprogram") and by.has_perm("programs.change_dietplan")


def _check(by: User, member: Member) -> Member:
    member = Member.all_objects.select_for_update(of=("self",)).get(pk=member.pk)
    if not may_write_programs(by, member):
        raise PermissionDenied("Only this member's trainer or staff can change their programs.")
    if member.deleted_at is not None:
        raise ValidationError("This member is deleted; restore them before changing their programs.")
    return member


def _save(program: ProgramBase, member: Member, by: User, fields: dict, changed: bool) -> ProgramBase:
    title = " ".join((fields.pop("title") or "").split())
    notes = (fields.pop("notes") or "").strip()
    if not title:
        raise ValidationError({"title": "Give it a title, e.g. “Strength – 3 days a week”."})
    changed = changed or program.pk is None or (title, notes) != (program.title, program.notes)
    if not changed:
        return program
    program.title, program.notes = title, notes
    program.trainer = member.assigned_trainer if member.assigned_trainer_id else None
    program.updated_by = by
    program._history_user = by
    program.full_clean()
    program.save()
    return program


@transaction.atomic
def workout_program_save(*, member: Member, by: User, title: str, days: list, notes: str = "") -> WorkoutProgram:
    """Create or replace the member's workout program (days → exercises)."""
    member = _check(by, member)
    days = clean_days(days)
    program = WorkoutProgram.objects.select_for_update().filter(member=member).first() or WorkoutProgram(member=member)
    changed = program.days != days
    program.days = days
    return _save(program, member, by, {"title": title, "notes": notes}, changed)


@transaction.atomic
def diet_plan_save(*, member: Member, by: User, title: str, meals: list, notes: str = "") -> DietPlan:
    """Create or replace the member's diet plan (meals → items)."""
    member = _check(by, member)
    meals = clean_meals(meals)
    plan = DietPlan.objects.select_for_update().filter(member=member).first() or DietPlan(member=member)
    changed = plan.meals != meals
    plan.meals = meals
    return _save(plan, member, by, {"title": title, "notes": notes}, changed)
