"""Writing check-ins: from device punches (set-based, many at once) and by
hand at the front desk."""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from core.attendance.bulk import insert_rows
from core.attendance.eligibility import EligibilityBook
from core.attendance.models import CheckIn
from core.common.past_figures import past_figures_changed
from core.members.models import Member


def dedupe_window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.CHECKIN_DEDUPE_MINUTES)


@dataclass(frozen=True, slots=True)
class PunchIn:
    """A punch as core sees it: who the device says it was, and when (aware)."""

    biometric_id: str
    at: datetime.datetime


@dataclass(slots=True)
class _Visit:
    at: datetime.datetime
    result: str
    ref: int  # a stored check-in's id, or -(1 + index) of a row made in this batch


class _Visits:
    """Visits per person (member, or unknown ID), sorted by time, so each punch
    finds a visit of the same result within the burst window by bisection."""

    def __init__(self, window: datetime.timedelta):
        self.window = window
        self._times: dict[object, list[datetime.datetime]] = defaultdict(list)
        self._visits: dict[object, list[_Visit]] = defaultdict(list)

    def add(self, key: object, visit: _Visit) -> None:
        i = bisect.bisect_right(self._times[key], visit.at)
        self._times[key].insert(i, visit.at)
        self._visits[key].insert(i, visit)

    def find(self, key: object, at: datetime.datetime, result: str) -> _Visit | None:
        times, visits = self._times.get(key), self._visits.get(key)
        if not times:
            return None
        lo = bisect.bisect_right(times, at - self.window)
        hi = bisect.bisect_left(times, at + self.window)
        # The closest earlier visit first: a burst joins the visit it follows.
        for i in range(hi - 1, lo - 1, -1):
            if visits[i].result == result:
                return visits[i]
        return None


CHECKIN_COLUMNS = (
    "member_id",
    "biometric_id",
    "at",
    "source",
    "result",
    "reason",
    "note",
    "created_by_id",
    "created_at",
)


@transaction.atomic
def checkins_record_punches(*, punches: Sequence[PunchIn]) -> list[int]:
    """Judge each punch and record the visits; returns, for each punch in the
    given order, the id of the check-in it belongs to.

    Punches by the same person within CHECKIN_DEDUPE_MINUTES of a visit with the
    same result (an earlier one, one stored before, or a desk check-in) join that
    visit instead of making a new one: a member who presses the finger three
    times at the door made one visit. A different result (refused at 10:00, let
    in at 10:03 after paying) is a new check-in.

    Queries: members, memberships, freezes, nearby visits, then the inserts and
    the members' last visits (members_note_visits), whatever the number of
    punches. Values come from the rule and the model's choices, so rows are
    inserted without a full_clean() each (the check constraint still guards
    result/reason).
    """
    if not punches:
        return []
    window = dedupe_window()
    ids = {p.biometric_id for p in punches}
    members = {
        m.biometric_id: m
        for m in Member.all_objects.filter(biometric_id__in=ids).only(
            "pk", "code", "biometric_id", "deleted_at", "purged_at", "suspended_reason"
        )
    }
    book = EligibilityBook(members.values())
    visits = _Visits(window)
    lo = min(p.at for p in punches) - window
    hi = max(p.at for p in punches) + window
    unknown = ids - set(members)
    nearby = CheckIn.objects.filter(at__gt=lo, at__lt=hi).filter(
        Q(member_id__in=[m.pk for m in members.values()]) | Q(member__isnull=True, biometric_id__in=unknown)
    )
    for pk, member_id, biometric_id, at, result in nearby.values_list(
        "pk", "member_id", "biometric_id", "at", "result"
    ):
        visits.add(member_id if member_id is not None else ("id", biometric_id), _Visit(at, result, pk))

    now = timezone.now()
    rows: list[tuple] = []
    refs = [0] * len(punches)
    for index in sorted(range(len(punches)), key=lambda i: punches[i].at):
        punch = punches[index]
        member = members.get(punch.biometric_id)
        verdict = book.verdict(member, punch.at)
        key = member.pk if member is not None else ("id", punch.biometric_id)
        visit = visits.find(key, punch.at, verdict.result)
        if visit is None:
            visit = _Visit(punch.at, verdict.result, -1 - len(rows))
            rows.append(
                (
                    member.pk if member is not None else None,
                    punch.biometric_id,
                    punch.at,
                    CheckIn.Source.DEVICE.value,
                    verdict.result.value,
                    str(verdict.reason),
                    "",
                    None,
                    now,
                )
            )
            visits.add(key, visit)
        refs[index] = visit.ref
    new_ids = insert_rows(CheckIn, CHECKIN_COLUMNS, rows, returning_ids=True)
    allowed = [row for row in rows if row[4] == CheckIn.Result.ALLOWED.value]
    members_note_visits(visits=[(row[0], row[2]) for row in allowed if row[0] is not None])
    return [ref if ref > 0 else new_ids[-1 - ref] for ref in refs]


@transaction.atomic
def checkin_manual(*, member: Member, by, note: str = "", at: datetime.datetime | None = None) -> CheckIn:
    """Check a member in at the front desk. The attempt is recorded either way:
    ALLOWED, or DENIED with the reason (the desk sees why); a second check-in
    of an already checked-in member within the burst window is refused."""
    at = at or timezone.now()
    # Lock the member: two clicks on "check in" make one visit.
    member = Member.all_objects.select_for_update().get(pk=member.pk)
    verdict = EligibilityBook([member]).verdict(member, at)
    if verdict.allowed:
        window = dedupe_window()
        earlier = (
            CheckIn.objects.filter(
                member=member, result=CheckIn.Result.ALLOWED, at__gt=at - window, at__lte=at + window
            )
            .order_by("-at")
            .first()
        )
        if earlier is not None:
            raise ValidationError(
                f"{member.code} is already checked in (at {timezone.localtime(earlier.at):%H:%M}, "
                f"{earlier.get_source_display().lower()})."
            )
    checkin = CheckIn(
        member=member,
        biometric_id=member.biometric_id or "",
        at=at,
        source=CheckIn.Source.MANUAL,
        result=verdict.result,
        reason=verdict.reason,
        note=(note or "").strip()[:255],
        created_by=by if getattr(by, "pk", None) else None,
    )
    checkin.full_clean()
    checkin.save()
    if verdict.allowed:
        members_note_visits(visits=[(member.pk, at)])
    return checkin


def members_note_visits(*, visits: Iterable[tuple[int, datetime.datetime]]) -> int:
    """Keep ``Member.last_visit_at`` (the last allowed check-in) right after allowed check-ins
    were written: ``visits`` are their (member id, at). One UPDATE whatever the number of
    visits; returns how many members moved. Runs inside the caller's transaction. An UPDATE,
    not save(): no history row and ``updated_at`` stays, a visit is not a profile change.
    Visits on earlier days (a device that was offline hands them in late) also tell the report
    cache (core.common.past_figures): the cached check-in hours count them."""
    latest: dict[int, datetime.datetime] = {}
    earliest: datetime.datetime | None = None
    for member_id, at in visits:
        if member_id not in latest or at > latest[member_id]:
            latest[member_id] = at
        earliest = at if earliest is None else min(earliest, at)
    if earliest is None:
        return 0
    past_figures_changed(on=earliest)
    if connection.vendor == "postgresql":
        # Lock the members in id order (the rule for members; the nightly status sync keeps it too),
        # then move each one's last visit forward only: two batches sharing members (two doors, the
        # desk, the sync) wait for each other instead of deadlocking (a plain UPDATE ... FROM locks
        # in the batch's order; opposite orders deadlocked when tried), and a punch read late (older
        # than the last visit) leaves it. The WHERE is checked again against a row another
        # transaction changed meanwhile, so the newest visit always wins.
        with connection.cursor() as cursor:
            cursor.execute(
                """
                WITH visits AS (SELECT * FROM unnest(%s::bigint[], %s::timestamptz[]) AS v (member_id, at)),
                locked AS (
                    SELECT id FROM members_member WHERE id IN (SELECT member_id FROM visits)
                    ORDER BY id FOR NO KEY UPDATE
                )
                UPDATE members_member AS m SET last_visit_at = GREATEST(m.last_visit_at, v.at)
                FROM visits AS v, locked
                WHERE m.id = v.member_id AND locked.id = m.id AND (m.last_visit_at IS NULL OR m.last_visit_at < v.at)
                """,
                [list(latest), list(latest.values())],
            )
            return cursor.rowcount
    # The embedded SQLite (one writer at a time, a small gym): one statement per member.
    return sum(
        Member.all_objects.filter(Q(last_visit_at__isnull=True) | Q(last_visit_at__lt=at), pk=pk).update(
            last_visit_at=at
        )
        for pk, at in sorted(latest.items())
    )
