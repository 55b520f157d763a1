"""Devices: saving them, polling pull devices and keeping their health.

Polling one device: connect (GuardedZK, timeouts), check the serial number,
measure (and fix) the clock, lock the keypad, read the whole log in one
buffered read, ALWAYS re-enable and disconnect, then ingest only what is new.
Errors are recorded on the device with an exponential back-off; one device
failing never stops the others.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from devices.client import AttendanceLog, DeviceConnection, DeviceError
from devices.ingest import RawPunch, punches_ingest
from devices.models import Device
from devices.zk.records import AttendanceRecord

logger = logging.getLogger(__name__)


@transaction.atomic
def device_save(*, device: Device) -> Device:
    """Create or edit a device (admin). A new serial number is checked on the next poll."""
    device.full_clean()
    device.save()
    return device


# -- health ---------------------------------------------------------------------
def backoff_seconds(failures: int) -> int:
    """Wait before the next try after ``failures`` failures in a row: the poll
    interval, doubled each time, at most DEVICE_BACKOFF_MAX_SECONDS."""
    base = max(settings.DEVICE_POLL_INTERVAL, 1)
    return int(min(base * 2 ** max(failures - 1, 0), settings.DEVICE_BACKOFF_MAX_SECONDS))


def device_record_failure(*, device: Device, error: str, now: datetime.datetime | None = None) -> Device:
    now = now or timezone.now()
    failures = (Device.objects.filter(pk=device.pk).values_list("consecutive_failures", flat=True).first() or 0) + 1
    fields = {
        "last_error": error[:2000],
        "last_error_at": now,
        "consecutive_failures": failures,
        "next_poll_after": now + datetime.timedelta(seconds=backoff_seconds(failures)),
    }
    # update(): health changes every poll and stays out of the device's history.
    Device.objects.filter(pk=device.pk).update(**fields)
    for name, value in fields.items():
        setattr(device, name, value)
    logger.warning("device %s: %s (failure %d in a row)", device.name, error, failures)
    return device


def device_record_success(*, device: Device, now: datetime.datetime | None = None, **health) -> Device:
    fields = {"last_success_at": now or timezone.now(), "consecutive_failures": 0, "next_poll_after": None, **health}
    Device.objects.filter(pk=device.pk).update(**fields)
    for name, value in fields.items():
        setattr(device, name, value)
    return device


def device_record_contact(*, device: Device, now: datetime.datetime | None = None) -> None:
    now = now or timezone.now()
    Device.objects.filter(pk=device.pk).update(last_polled_at=now)
    device.last_polled_at = now


# -- polling ----------------------------------------------------------------------
@dataclass
class PollResult:
    device: str
    ok: bool
    error: str = ""
    read: int = 0  # records decoded this time (only the new tail when the log is unchanged before it)
    inserted: int = 0
    checkins: int = 0
    bad_records: int = 0
    future: int = 0
    clock_drift: int | None = None
    clock_set: bool = False
    log_records: int = 0

    def __str__(self) -> str:
        if not self.ok:
            return f"{self.device}: FAILED - {self.error}"
        text = f"{self.device}: {self.inserted} new punch(es) of {self.log_records} on the device"
        if self.bad_records:
            text += f", {self.bad_records} unreadable record(s) skipped"
        if self.future:
            text += f", {self.future} stamped in the future (no check-in)"
        if self.clock_drift is not None:
            text += f", clock {self.clock_drift:+d} s" + (" (corrected)" if self.clock_set else "")
        return text


def _tail_key(record: AttendanceRecord | None) -> str:
    return "" if record is None else f"{record.user_id}|{record.timestamp:%Y%m%d%H%M%S}"[:64]


def _new_records(device: Device, log: AttendanceLog) -> tuple[list[AttendanceRecord], int]:
    """Decode only the records after the last read when the log still starts
    the same (append-only between clears); otherwise all of them. Either way
    the ingest checks every record against what is stored."""
    start = 0
    seen = device.log_records
    if seen and log.count >= seen and device.log_tail and _tail_key(log.record_at(seen - 1)) == device.log_tail:
        start = seen
    return log.records(start)


def _check_serial(device: Device, serial: str) -> None:
    if not serial:
        raise DeviceError("The device did not report a serial number.")
    if device.serial_number:
        if serial != device.serial_number:
            raise DeviceError(
                f"Serial number mismatch: this device is registered as {device.serial_number} but the device at "
                f"{device.host}:{device.port} reports {serial}. Nothing was imported; check the address."
            )
        return
    other = Device.objects.filter(serial_number=serial).exclude(pk=device.pk).first()
    if other is not None:
        raise DeviceError(
            f"The device at {device.host}:{device.port} reports serial {serial}, already used by {other}."
        )
    # First contact: remember it (with history: a serial number is worth a "who").
    device.serial_number = serial
    device.save(update_fields=["serial_number", "updated_at"])


def device_poll(*, device: Device, connect: Callable[..., DeviceConnection] = DeviceConnection) -> PollResult:
    """Poll one pull device; never raises for device trouble (it is recorded)."""
    now = timezone.now()
    device_record_contact(device=device, now=now)
    result = PollResult(device=device.name, ok=False)
    try:
        with connect(device.host, device.port, device.comm_password, settings.DEVICE_TIMEOUT) as conn:
            _check_serial(device, conn.serial_number())
            firmware = conn.firmware_version()
            platform = conn.platform()
            device_now = conn.device_time().replace(tzinfo=device.tzinfo)
            result.clock_drift = round((device_now - timezone.now()).total_seconds())
            if device.sync_clock and abs(result.clock_drift) > settings.DEVICE_CLOCK_MAX_DRIFT_SECONDS:
                conn.set_time(timezone.localtime(timezone.now(), device.tzinfo))
                result.clock_set = True
                logger.warning("device %s: clock was %+d s off; set from the server", device.name, result.clock_drift)
            conn.disable()
            log = conn.read_attendance()
        # The device is enabled again and disconnected: ingest without holding it.
        records, result.bad_records = _new_records(device, log)
        result.read, result.log_records = len(records), log.count
        ingest = punches_ingest(
            device=device,
            punches=(RawPunch(r.user_id, r.timestamp, status=r.punch, verify=r.status) for r in records),
        )
    except DeviceError as exc:
        result.error = str(exc)
        device_record_failure(device=device, error=result.error)
        return result
    result.ok = True
    result.inserted, result.checkins, result.future = ingest.inserted, ingest.checkins, ingest.future
    health = {}
    if result.bad_records:
        # Kept visible on the device's page, while the poll itself counts as a success.
        health = {"last_error": f"{result.bad_records} unreadable punch record(s) skipped", "last_error_at": now}
        logger.warning("device %s: %s", device.name, health["last_error"])
    device_record_success(
        device=device,
        **health,
        clock_drift_seconds=result.clock_drift,
        record_size=log.record_size or device.record_size,
        firmware_version=firmware[:100],
        platform=platform[:100],
        log_records=log.count,
        log_tail=_tail_key(log.record_at(log.count - 1)),
    )
    return result


def due_devices(*, names: Iterable[str] | None = None, now: datetime.datetime | None = None):
    """Active pull devices to poll now: those named (back-off ignored), or all
    whose back-off has passed."""
    devices = Device.objects.filter(is_active=True, mode=Device.Mode.PULL).order_by("name")
    if names:
        return devices.filter(name__in=list(names))
    now = now or timezone.now()
    return devices.filter(Q(next_poll_after__isnull=True) | Q(next_poll_after__lte=now))


def devices_poll(
    *,
    names: Iterable[str] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    connect: Callable[..., DeviceConnection] = DeviceConnection,
) -> list[PollResult]:
    """Poll every due device, one after the other; a failure of one (even a
    bug) is recorded on it and the round goes on with the next."""
    results = []
    for device in due_devices(names=names):
        if should_stop():
            break
        try:
            results.append(device_poll(device=device, connect=connect))
        except Exception as exc:  # a bug or a database hiccup: record it, keep polling the others
            logger.exception("device %s: poll failed", device.name)
            error = f"Unexpected error while polling: {exc!r}"
            try:
                device_record_failure(device=device, error=error)
            except Exception:
                logger.exception("device %s: could not record the failure", device.name)
            results.append(PollResult(device=device.name, ok=False, error=error))
    return results
