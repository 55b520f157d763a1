"""Creating and editing class schedules. Both materialise the schedule's
sessions over the horizon (settings.CLASS_MATERIALISE_WEEKS from now, or
from the first class if later) at once, after refusing clashes over it with
other sessions and with classes other schedules will make there."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.accounts.models import User
from core.classes.conflicts import check_no_self_overlap, conflicts, raise_for_conflicts
from core.classes.models import ClassSchedule, ClassType, Room
from core.classes.recurrence import next_start
from core.classes.services.materialise import (
    planned_elsewhere,
    planned_starts,
    schedule_materialise,
    schedule_reconcile,
    schedule_until,
)

EDITABLE_FIELDS = {
    "class_type", "instructor", "support_staff", "room", "capacity", "starts_on", "start_time",
    "duration_minutes", "recurrence", "is_active", *ClassSchedule.POLICY_FIELDS,
}  # fmt: skip


def _check_plan(schedule: ClassSchedule, *, now: datetime.datetime, changed: set[str] | None = None) -> None:
    """Clean the schedule, then refuse clashes over the materialisation horizon.
    ``changed`` is None for a new schedule, else the names of the edited fields."""
    new = changed is None
    instructor = schedule.instructor
    if instructor.role != User.Role.TRAINER or not instructor.is_active:
        raise ValidationError({"instructor": f"{instructor} is not an active trainer; choose a trainer to teach."})
    schedule.full_clean(exclude=["created_by"])
    if not schedule.class_type.is_active and (new or "class_type" in changed):
        raise ValidationError({"class_type": f"{schedule.class_type} is no longer offered; choose an active class."})
    if not schedule.room.is_active and (new or "room" in changed):
        raise ValidationError({"room": f"{schedule.room} is not in use; choose another room."})
    if not schedule.is_active:
        return
    if new and next_start(**_rule_of(schedule), after=now) is None:
        raise ValidationError("This schedule has no classes after now; check the first date and the repeat rule.")
    until = schedule_until(schedule, now)
    duration = datetime.timedelta(minutes=schedule.duration_minutes)
    intervals = [(start, start + duration) for start in planned_starts(schedule, after=now, before=until)]
    check_no_self_overlap(intervals)
    # On an edit the schedule's own sessions move or stay put (flagged); only others can clash.
    exclude = None if new else Q(schedule=schedule)
    found = conflicts(intervals, room=schedule.room, instructor=schedule.instructor, exclude=exclude)
    found += planned_elsewhere(intervals, schedule=schedule, after=now, before=until)
    raise_for_conflicts(found)


def _rule_of(schedule: ClassSchedule) -> dict:
    return {"starts_on": schedule.starts_on, "start_time": schedule.start_time, "recurrence": schedule.recurrence}


@transaction.atomic
def schedule_create(
    *,
    class_type: ClassType,
    instructor: User,
    room: Room,
    starts_on: datetime.date,
    start_time: datetime.time,
    recurrence: str = "",
    capacity: int | None = None,
    duration_minutes: int | None = None,
    support_staff: User | None = None,
    booking_opens_days: int = 7,
    booking_closes_minutes: int = 0,
    cancel_cutoff_hours: int = 12,
    weekly_limit: int | None = None,
    by: User | None = None,
) -> ClassSchedule:
    """A one-off (no ``recurrence``) or repeating class; its sessions over
    the horizon (settings.CLASS_MATERIALISE_WEEKS) are created at once.
    Capacity and duration default to the class type's (capacity at most the room's)."""
    now = timezone.now()
    schedule = ClassSchedule(
        class_type=class_type,
        instructor=instructor,
        support_staff=support_staff,
        room=room,
        capacity=capacity if capacity is not None else min(class_type.default_capacity, room.capacity),
        duration_minutes=duration_minutes or class_type.default_duration_minutes,
        starts_on=starts_on,
        start_time=start_time,
        recurrence=(recurrence or "").strip(),
        booking_opens_days=booking_opens_days,
        booking_closes_minutes=booking_closes_minutes,
        cancel_cutoff_hours=cancel_cutoff_hours,
        weekly_limit=weekly_limit,
        created_by=by if by is not None and by.pk else None,
    )
    _check_plan(schedule, now=now)
    schedule.save()
    schedule_materialise(schedule=schedule, until=schedule_until(schedule, now), now=now)
    return schedule


@transaction.atomic
def schedule_update(*, schedule: ClassSchedule, by: User | None = None, **fields) -> ClassSchedule:
    """Edit a schedule. Future sessions nobody has booked follow the edit;
    booked ones keep their time and are flagged for review (see
    services.materialise). Deactivating (is_active=False) removes the
    unbooked future sessions the same way."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"Unknown schedule fields: {', '.join(sorted(unknown))}")
    now = timezone.now()
    schedule = ClassSchedule.objects.select_for_update().get(pk=schedule.pk)
    if "recurrence" in fields:
        fields["recurrence"] = (fields["recurrence"] or "").strip()
    changed = {name for name, value in fields.items() if getattr(schedule, name) != value}
    if not changed:
        return schedule
    for name in changed:
        setattr(schedule, name, fields[name])
    if by is not None and by.pk:
        schedule._history_user = by
    _check_plan(schedule, now=now, changed=changed)
    schedule.save()
    schedule_reconcile(schedule=schedule, now=now)
    return schedule
