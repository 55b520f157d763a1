"""The one way punches enter GymOS, shared by polling (pull) and ADMS (push):
store the new ones, once, and link each to its check-in."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.attendance.bulk import insert_rows, use_copy
from core.attendance.services import PunchIn, checkins_record_punches
from devices.models import Device, Punch

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
# A punch stamped later than this after "now" comes from a device whose clock
# is wrong: it is stored (nothing is lost) but makes no check-in, so a visit
# "in 2031" never shows up as today's. The device's clock drift tells staff why.
FUTURE_TOLERANCE = datetime.timedelta(minutes=10)
PUNCH_COLUMNS = (
    "device_id", "device_user_id", "punched_at", "status", "verify", "workcode", "checkin_id", "received_at",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RawPunch:
    """A punch as a device reports it: device-local wall time, no zone."""

    user_id: str
    local_time: datetime.datetime
    status: int = 0
    verify: int | None = None
    workcode: str = ""


@dataclass
class IngestResult:
    received: int = 0  # distinct punches handed in
    inserted: int = 0  # rows actually added (the rest were already stored)
    checkins: int = 0  # new punches linked to a check-in
    future: int = 0  # new punches stamped in the future: stored without a check-in

    @property
    def duplicates(self) -> int:
        return self.received - self.inserted


@transaction.atomic
def punches_ingest(*, device: Device, punches: Iterable[RawPunch]) -> IngestResult:
    """Insert the punches not stored yet and record their check-ins.

    Safe to call with the whole device log every time: the (device, user ID,
    time) key is checked first and enforced by the database, and the device
    row is locked so two ingests of one device (a poll and a manual "poll now")
    take turns instead of racing. Returns what was actually inserted."""
    Device.objects.select_for_update().filter(pk=device.pk).values_list("pk").first()
    tz = device.tzinfo
    rows_in: dict[tuple[str, datetime.datetime], RawPunch] = {}
    for punch in punches:
        user_id = punch.user_id.strip()[:24]
        if not user_id:
            continue
        at = punch.local_time.replace(microsecond=0, tzinfo=tz)
        rows_in.setdefault((user_id, at), punch)
    result = IngestResult(received=len(rows_in))
    if not rows_in:
        return result

    lo = min(at for _uid, at in rows_in)
    hi = max(at for _uid, at in rows_in)
    in_range = Punch.objects.filter(device=device, punched_at__gte=lo, punched_at__lte=hi)
    # Aware datetimes compare and hash by instant, so rows read back in UTC match.
    stored = set(in_range.values_list("device_user_id", "punched_at").iterator(chunk_size=10_000))
    new_keys = sorted((key for key in rows_in if key not in stored), key=lambda key: key[1])
    if not new_keys:
        return result

    limit = timezone.now() + FUTURE_TOLERANCE
    judged = [key for key in new_keys if key[1] <= limit]
    result.future = len(new_keys) - len(judged)
    if result.future:
        logger.warning("device %s: %d punch(es) stamped in the future (clock wrong?)", device.name, result.future)
    checkin_ids = checkins_record_punches(punches=[PunchIn(uid, at) for uid, at in judged])
    links = dict(zip(judged, checkin_ids, strict=True))
    result.checkins = len(links)

    received_at = timezone.now()
    rows = []
    for key in new_keys:
        raw = rows_in[key]
        rows.append((device.pk, *key, raw.status, raw.verify, raw.workcode[:16], links.get(key), received_at))
    before = in_range.count()
    if use_copy(len(rows)):
        # A first poll or a long backlog: COPY (see core.attendance.bulk). The
        # device lock and the check above mean no row can clash; if one did,
        # the whole ingest rolls back and the next poll tries again.
        insert_rows(Punch, PUNCH_COLUMNS, rows)
    else:
        # ignore_conflicts: belt and braces under the lock.
        Punch.objects.bulk_create(
            [Punch(**dict(zip(PUNCH_COLUMNS, row, strict=True))) for row in rows],
            batch_size=BATCH_SIZE,
            ignore_conflicts=True,
        )
    # What the database really took, whichever way it went in.
    result.inserted = in_range.count() - before
    return result
