"""Turning schedules into sessions, and bringing sessions in line after a
schedule is edited.

A session is keyed by (schedule, occurrence): the start the schedule planned.
Materialising creates only the keys that are missing, so it can run any
number of times. After an edit, future sessions are paired with the new
occurrences (same key first, then by local date, in order):

- a session nobody has booked (and nobody moved by hand) takes the new
  time, room, instructor, capacity and policy;
- a session with live bookings, or one rescheduled by hand, keeps what it
  has, takes the new key (so no duplicate is made next to it) and is flagged
  ``needs_review`` with a note saying what the schedule now says;
- a cancelled session stays cancelled (the date keeps its cancellation);
- a session whose date is no longer on the schedule is deleted if it never
  had bookings, cancelled if it only had cancelled ones, and flagged for
  review if members are booked;
- new occurrences with no session are materialised.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from core.classes.conflicts import conflicts, describe, overlapping
from core.classes.models import Booking, ClassSchedule, ClassSession
from core.classes.recurrence import next_start, occurrences, to_local_naive
from core.classes.rules import when

COPIED_FIELDS = (
    "class_type_id",
    "room_id",
    "instructor_id",
    "support_staff_id",
    "capacity",
    *ClassSchedule.POLICY_FIELDS,
)
REMOVED_REASON = "No longer on the schedule"


def horizon(now: datetime.datetime, weeks_ahead: int | None = None) -> datetime.datetime:
    weeks = settings.CLASS_MATERIALISE_WEEKS if weeks_ahead is None else weeks_ahead
    return now + datetime.timedelta(weeks=weeks)


def schedule_until(schedule: ClassSchedule, now: datetime.datetime) -> datetime.datetime:
    """How far ahead a schedule is materialised when it is saved: the horizon
    from now, or from its first class if that comes later (a one-off class in
    six weeks is made, and checked for clashes, at once)."""
    first = next_start(
        starts_on=schedule.starts_on, start_time=schedule.start_time, recurrence=schedule.recurrence, after=now
    )
    return horizon(max(now, first) if first else now)


def planned_elsewhere(intervals: list, *, schedule: ClassSchedule, after, before) -> list:
    """Clashes with classes other schedules will make but have not made yet
    (beyond their materialised weeks), as unsaved sessions: one query for the
    schedules, one for their existing sessions."""
    others = list(
        ClassSchedule.objects.filter(Q(room=schedule.room) | Q(instructor=schedule.instructor), is_active=True)
        .exclude(pk=schedule.pk)
        .select_related("class_type", "room", "instructor")
    )
    made = set(
        ClassSession.objects.filter(schedule__in=others, occurrence__gte=after, occurrence__lt=before).values_list(
            "schedule_id", "occurrence"
        )
    )
    planned = []
    for other in others:
        length = datetime.timedelta(minutes=other.duration_minutes)
        planned += [
            ClassSession(
                schedule=other,
                class_type=other.class_type,
                room=other.room,
                instructor=other.instructor,
                starts_at=start,
                ends_at=start + length,
            )  # fmt: skip
            for start in planned_starts(other, after=after, before=before)
            if (other.pk, start) not in made
        ]
    return overlapping(intervals, planned, room=schedule.room)


def planned_starts(schedule: ClassSchedule, *, after: datetime.datetime, before: datetime.datetime) -> list:
    if not schedule.is_active:
        return []
    return occurrences(
        starts_on=schedule.starts_on,
        start_time=schedule.start_time,
        recurrence=schedule.recurrence,
        after=after,
        before=before,
    )


def planned_values(schedule: ClassSchedule, start: datetime.datetime) -> dict:
    values = {name: getattr(schedule, name) for name in COPIED_FIELDS}
    values["starts_at"] = start
    values["ends_at"] = start + datetime.timedelta(minutes=schedule.duration_minutes)
    return values


def _lock(schedule: ClassSchedule) -> ClassSchedule:
    # Serialises materialising and editing one schedule (the nightly job may run during an edit).
    return ClassSchedule.objects.select_for_update().select_related("room", "instructor").get(pk=schedule.pk)


@transaction.atomic
def schedule_materialise(
    *, schedule: ClassSchedule, until: datetime.datetime, now: datetime.datetime | None = None
) -> list[ClassSession]:
    """Create the schedule's missing sessions starting after ``now`` and before
    ``until``. A new session that overlaps another in its room or with its
    instructor is still made (the schedule promised it) but flagged for review,
    naming the clash; schedule_create/update refuse such clashes up front."""
    now = now or timezone.now()
    schedule = _lock(schedule)
    starts = planned_starts(schedule, after=now, before=until)
    if not starts:
        return []
    existing = set(
        ClassSession.objects.filter(schedule=schedule, occurrence__in=starts).values_list("occurrence", flat=True)
    )
    missing = [start for start in starts if start not in existing]
    duration = datetime.timedelta(minutes=schedule.duration_minutes)
    clashes = {}
    for (start, _end), other, what in conflicts(
        [(start, start + duration) for start in missing], room=schedule.room, instructor=schedule.instructor
    ):
        clashes.setdefault(start, f"Overlaps {describe(other)} ({what}).")
    # A schedule whose instructor can no longer teach (deactivated, or no longer a trainer) still
    # makes its classes, flagged like the ones staff_account_sync flagged when the account changed.
    instructor = schedule.instructor
    gone = not (instructor.is_active and instructor.role == instructor.Role.TRAINER)
    name = instructor.full_name or instructor.email
    gone_note = f"The instructor {name} can no longer teach: assign another trainer."
    created = []
    for start in missing:
        session = ClassSession(schedule=schedule, occurrence=start, **planned_values(schedule, start))
        if start in clashes:
            session.needs_review, session.review_note = True, clashes[start]
        elif gone:
            session.needs_review, session.review_note = True, gone_note
        session.full_clean()
        session.save()
        created.append(session)
    return created


@dataclass
class Reconciled:
    updated: int = 0
    flagged: int = 0
    removed: int = 0
    created: int = 0


def _pair(sessions: list[ClassSession], starts: list[datetime.datetime]):
    """(session, new start) pairs, and the sessions left without a start.
    Starts left without a session are what materialising will create."""
    by_key = {s.occurrence: s for s in sessions}
    pairs = [(by_key[start], start) for start in starts if start in by_key]
    taken_sessions = {s.pk for s, _ in pairs}
    taken_starts = {start for _, start in pairs}
    old_by_day, new_by_day = defaultdict(list), defaultdict(list)
    for s in sessions:
        if s.pk not in taken_sessions:
            old_by_day[to_local_naive(s.occurrence or s.starts_at).date()].append(s)
    for start in starts:
        if start not in taken_starts:
            new_by_day[to_local_naive(start).date()].append(start)
    leftover = []
    for day, olds in old_by_day.items():
        news = new_by_day.pop(day, [])
        pairs += list(zip(olds, news, strict=False))
        leftover += olds[len(news) :]
    return pairs, leftover


def _differences(session: ClassSession, planned: dict) -> list[str]:
    return [name for name, value in planned.items() if getattr(session, name) != value]


def _review_note(schedule: ClassSchedule, planned: dict, session: ClassSession) -> str:
    instructor = schedule.instructor.full_name or schedule.instructor.email
    why = "members have booked it" if session.live else "it was rescheduled by hand"
    return (
        f"The schedule changed on {timezone.localdate():%d %b %Y}: it now says {when(planned['starts_at'])} "
        f"in {schedule.room} with {instructor}, capacity {schedule.capacity}. This class was left as it was because "
        f"{why}: reschedule it (members are told) or mark it reviewed to keep it."
    )


@transaction.atomic
def schedule_reconcile(*, schedule: ClassSchedule, now: datetime.datetime | None = None) -> Reconciled:
    """Bring the schedule's future sessions in line with the schedule (see the module docstring)."""
    now = now or timezone.now()
    schedule = _lock(schedule)
    result = Reconciled()
    future = ClassSession.objects.filter(Q(starts_at__gt=now) | Q(occurrence__gt=now), schedule=schedule)
    # Lock them before counting bookings, so a booking made meanwhile is counted (or waits for the edit).
    locked = list(future.select_for_update().order_by("pk").values_list("pk", flat=True))
    sessions = list(
        ClassSession.objects.filter(pk__in=locked)
        .annotate(
            live=Count("bookings", filter=Q(bookings__status__in=Booking.LIVE)),
            any_bookings=Count("bookings"),
        )
        .order_by("occurrence", "pk")
    )
    until = schedule_until(schedule, now)
    last = max((s.occurrence or s.starts_at for s in sessions), default=until)
    starts = planned_starts(schedule, after=now, before=max(until, last + datetime.timedelta(seconds=1)))
    pairs, leftover = _pair(sessions, starts)
    # New keys may be held by sessions that are re-keyed in this same pass: free them first.
    moving = [s.pk for s, start in pairs if s.occurrence != start]
    ClassSession.objects.filter(pk__in=moving).update(occurrence=None)
    for session, start in pairs:
        planned = planned_values(schedule, start)
        changed = session.occurrence != start
        session.occurrence = start
        if session.status == ClassSession.Status.CANCELLED:
            pass
        elif session.live == 0 and session.rescheduled_at is None:
            if _differences(session, planned) or session.needs_review:
                for name, value in planned.items():
                    setattr(session, name, value)
                session.needs_review, session.review_note = False, ""
                changed = True
                result.updated += 1
        elif _differences(session, planned):
            session.needs_review, session.review_note = True, _review_note(schedule, planned, session)
            changed = True
            result.flagged += 1
        if changed:
            session.full_clean()
            session.save()
    for session in leftover:
        if session.status == ClassSession.Status.CANCELLED:
            continue
        if session.live or session.rescheduled_at is not None:
            session.needs_review = True
            why = "members have booked it" if session.live else "it was rescheduled by hand"
            session.review_note = (
                f"This date is no longer on the schedule (changed on {timezone.localdate():%d %b %Y}) but {why}: "
                "cancel the class (members are told) or mark it reviewed to keep it."
            )
            session.save(update_fields=["needs_review", "review_note", "updated_at"])
            result.flagged += 1
        elif session.any_bookings:
            session.status, session.reason, session.cancelled_at = ClassSession.Status.CANCELLED, REMOVED_REASON, now
            session.save(update_fields=["status", "reason", "cancelled_at", "updated_at"])
            result.removed += 1
        else:
            session.delete()
            result.removed += 1
    result.created = len(schedule_materialise(schedule=schedule, until=until, now=now))
    return result
