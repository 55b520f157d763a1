"""Overlap checks: one room and one instructor hold one class at a time."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from core.classes.models import ClassSession, Room
from core.classes.rules import when

Interval = tuple[datetime.datetime, datetime.datetime]


def describe(session: ClassSession) -> str:
    """“Yoga on Mon 16 Mar 2026, 18:00–19:00 in Studio A with Nusrat Jahan”."""
    instructor = session.instructor.full_name or session.instructor.email
    return (
        f"{session.class_type} on {when(session.starts_at)}–{timezone.localtime(session.ends_at):%H:%M} "
        f"in {session.room} with {instructor}"
    )


def conflicts(
    intervals: Iterable[Interval],
    *,
    room: Room,
    instructor,
    exclude: Q | None = None,
) -> list[tuple[Interval, ClassSession, str]]:
    """Scheduled sessions in the same room or with the same instructor that
    overlap any of ``intervals``; one query whatever their number."""
    intervals = sorted(intervals)
    if not intervals:
        return []
    low, high = intervals[0][0], max(end for _, end in intervals)
    candidates = ClassSession.objects.filter(
        Q(room=room) | Q(instructor=instructor),
        status=ClassSession.Status.SCHEDULED,
        starts_at__lt=high,
        ends_at__gt=low,
    ).select_related("class_type", "room", "instructor")
    if exclude is not None:
        candidates = candidates.exclude(exclude)
    return overlapping(intervals, list(candidates), room=room)


def overlapping(intervals: Iterable[Interval], others: Iterable[ClassSession], *, room: Room) -> list:
    """(interval, other session, "the same room"/"the same instructor") for each overlap."""
    found = []
    for start, end in sorted(intervals):
        for other in others:
            if other.starts_at < end and start < other.ends_at:
                what = "the same room" if other.room_id == room.pk else "the same instructor"
                found.append(((start, end), other, what))
    return found


def raise_for_conflicts(found: list) -> None:
    """Raise naming the first clash (and how many more there are)."""
    if not found:
        return
    found = sorted(found, key=lambda item: item[0])
    (start, _end), other, what = found[0]
    more = len(found) - 1
    tail = f" ({more} more clash{'es' if more != 1 else ''} after it)" if more else ""
    raise ValidationError(
        f"The class on {when(start)} overlaps {describe(other)} ({what}){tail}. "
        "Choose another time, room or instructor."
    )


def check_no_conflicts(intervals: Iterable[Interval], *, room: Room, instructor, exclude: Q | None = None) -> None:
    raise_for_conflicts(conflicts(intervals, room=room, instructor=instructor, exclude=exclude))


def check_no_self_overlap(intervals: list[Interval]) -> None:
    """A schedule whose classes run into each other (e.g. daily, 25 hours long)."""
    ordered = sorted(intervals)
    for (start, end), (next_start, _) in zip(ordered, ordered[1:], strict=False):
        if next_start < end:
            raise ValidationError(
                f"The class on {when(start)} would still be running when the next one starts at {when(next_start)}; "
                "shorten the class or space the repeats further apart."
            )
