"""Talking to a ZKTeco device over TCP with pyzk 0.9, safely.

- GuardedZK: pyzk spins forever when a device closes the connection in the
  middle of a data reply (its timeout does not help); the guard raises
  instead, and gives up on a reply that trickles in past a deadline.
- DeviceConnection: connect, and ALWAYS re-enable the device and disconnect
  (closing the socket even when the goodbye fails), whatever went wrong.
- The punch log is read with one buffered read and decoded in a single pass
  (devices.zk.records): pyzk's own get_attendance() is quadratic in the
  number of records (100,000 take 5-9 s, 200,000 ~38 s).

No Django models here: callers pass plain values and get plain values back.
"""

from __future__ import annotations

import logging
import struct
import time
from dataclasses import dataclass, field
from datetime import datetime

from zk import const
from zk.exception import ZKError, ZKErrorResponse

from devices.guarded_zk import PRIVILEGE_DISABLED, PRIVILEGE_LEVEL_MASK, GuardedZK
from devices.zk.records import ATTENDANCE_STRUCTS, AttendanceRecord, decode_attendance

logger = logging.getLogger(__name__)


class DeviceError(Exception):
    """A device problem, worded for the person reading the device's health."""


@dataclass
class AttendanceLog:
    """The device's punch log as read: raw bytes, decoded on demand from any record on."""

    record_size: int
    count: int
    body: bytes
    user_ids_by_uid: dict[int, str] = field(default_factory=dict)

    def records(self, start: int = 0) -> tuple[list[AttendanceRecord], int]:
        """Records from index ``start`` and how many could not be decoded (an
        impossible date from a corrupt or badly clocked device). A bad record
        costs only itself: the rest are kept."""
        size = self.record_size
        chunk = self.body[start * size : self.count * size]
        try:
            return decode_attendance(chunk, size, self.user_ids_by_uid), 0
        except ValueError:
            pass
        good, bad = [], 0
        for offset in range(0, len(chunk) - len(chunk) % size, size):
            try:
                good.extend(decode_attendance(chunk[offset : offset + size], size, self.user_ids_by_uid))
            except ValueError:
                bad += 1
        return good, bad

    def record_at(self, index: int) -> AttendanceRecord | None:
        """One record, or None when there is no such index or it cannot be decoded."""
        if not 0 <= index < self.count:
            return None
        raw = self.body[index * self.record_size : (index + 1) * self.record_size]
        try:
            records = decode_attendance(raw, self.record_size, self.user_ids_by_uid)
        except ValueError:
            return None
        return records[0] if records else None


@dataclass(frozen=True)
class DeviceUserInfo:
    uid: int
    user_id: str
    name: str
    privilege: int
    password: str
    group_id: str
    card: int

    @property
    def enabled(self) -> bool:
        return not self.privilege & PRIVILEGE_DISABLED

    @property
    def is_admin(self) -> bool:
        return bool(self.privilege & PRIVILEGE_LEVEL_MASK)


def _explain(exc: BaseException, host: str, port: int) -> str:
    text = str(exc) or exc.__class__.__name__
    low = text.lower()
    if isinstance(exc, ZKErrorResponse) and "unauthenticated" in low:
        return "The device refused the comm key: check the comm key set on the device and here."
    if any(s in low for s in ("broken pipe", "connection refused", "errno 111", "errno 32", "no route", "unreachable")):
        return f"Cannot reach the device at {host}:{port} (nothing answers there: check power, network and port)."
    if "timed out" in low:
        return f"The device at {host}:{port} stopped answering (timed out)."
    if "mid-frame" in low or "reset by peer" in low or "tcp packet invalid" in low:
        return f"The device at {host}:{port} broke off the connection ({text})."
    return f"Device error at {host}:{port}: {text}"


class DeviceConnection:
    """``with DeviceConnection(host, port, password, timeout) as dev: ...``

    On leaving the block the device is re-enabled if it was disabled and the
    session is closed, even after an error; failures there are logged, never
    raised over the original error. pyzk errors surface as DeviceError."""

    def __init__(
        self, host: str, port: int = 4370, password: int = 0, timeout: float = 10.0, max_seconds: float = 120.0
    ):
        self.host, self.port, self.timeout = host, port, timeout
        self.max_seconds = max_seconds
        self.password = int(password or 0)
        self.zk = GuardedZK(host, port=port, password=self.password, timeout=timeout, ommit_ping=True)
        self.disabled = False

    # -- lifecycle ------------------------------------------------------------
    def __enter__(self) -> DeviceConnection:
        self.zk.deadline = time.monotonic() + self.max_seconds
        try:
            self.zk.connect()
        except (ZKError, OSError, ValueError, struct.error) as exc:
            self.zk.close_socket()
            raise DeviceError(_explain(exc, self.host, self.port)) from exc
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        try:
            if self.disabled:
                try:
                    self.zk.enable_device()
                    self.disabled = False
                except Exception as error:  # logged: the original error matters more
                    logger.warning("device %s:%s: could not re-enable: %s; retrying", self.host, self.port, error)
                    self.zk.close_socket()
                    self.disabled = not self._enable_on_new_session()
            if self.zk.is_connect:
                try:
                    self.zk.disconnect()
                except Exception as error:  # logged below
                    logger.info("device %s:%s: disconnect failed: %s", self.host, self.port, error)
        finally:
            self.zk.close_socket()
        if (
            exc is not None
            and not isinstance(exc, DeviceError)
            and isinstance(exc, ZKError | OSError | ValueError | struct.error)
        ):
            raise DeviceError(_explain(exc, self.host, self.port)) from exc
        return False

    def _enable_on_new_session(self) -> bool:
        """The session broke while the keypad was locked: a device does not
        unlock itself when the connection drops, so open a fresh session just
        to unlock it (the reference system left doors locked this way)."""
        zk = GuardedZK(self.host, port=self.port, password=self.password, timeout=self.timeout, ommit_ping=True)
        zk.deadline = time.monotonic() + max(self.timeout * 3, 5)
        try:
            zk.connect()
            zk.enable_device()
            try:
                zk.disconnect()
            except Exception:  # the device is enabled: that was the point
                logger.info("device %s:%s: disconnect after re-enabling failed", self.host, self.port)
            logger.info("device %s:%s: re-enabled on a new session", self.host, self.port)
            return True
        except Exception as error:
            logger.error("device %s:%s: could NOT re-enable the device: %s", self.host, self.port, error)
            return False
        finally:
            zk.close_socket()

    def call(self, func, *args, **kwargs):
        """Run a pyzk call, turning its failures into DeviceError."""
        try:
            return func(*args, **kwargs)
        except DeviceError:
            raise
        except (ZKError, OSError, ValueError, struct.error) as exc:
            raise DeviceError(_explain(exc, self.host, self.port)) from exc

    # -- device facts ---------------------------------------------------------
    def serial_number(self) -> str:
        serial = self.call(self.zk.get_serialnumber)
        return (serial or "").strip()

    def firmware_version(self) -> str:
        return (self.call(self.zk.get_firmware_version) or "").strip()

    def platform(self) -> str:
        return (self.call(self.zk.get_platform) or "").strip()

    def device_time(self) -> datetime:
        return self.call(self.zk.get_time)

    def set_time(self, when: datetime) -> None:
        self.call(self.zk.set_time, when.replace(tzinfo=None))

    def disable(self) -> None:
        """Lock the keypad while reading, so the log does not move under us."""
        self.call(self.zk.disable_device)
        self.disabled = True

    def enable(self) -> None:
        self.call(self.zk.enable_device)
        self.disabled = False

    # -- punches --------------------------------------------------------------
    def read_attendance(self) -> AttendanceLog:
        zk = self.zk
        self.call(zk.read_sizes)
        count = zk.records
        if count <= 0:
            return AttendanceLog(record_size=0, count=0, body=b"")
        data, size = self.call(zk.read_with_buffer, const.CMD_ATTLOG_RRQ)
        if size < 4:
            return AttendanceLog(record_size=0, count=0, body=b"")
        total = struct.unpack_from("<I", data)[0]
        body = data[4 : 4 + total]
        record_size, rest = divmod(total, count)
        if rest or record_size not in ATTENDANCE_STRUCTS or len(body) < total:
            raise DeviceError(
                f"The device reported {count} punches in {total} bytes ({len(body)} received): "
                "not a punch log GymOS can read. Nothing was imported."
            )
        uid_map = {}
        if record_size == 8:  # 8-byte records carry the device slot (uid), not the user ID
            uid_map = {u.uid: u.user_id for u in self.users()}
        return AttendanceLog(record_size=record_size, count=count, body=body, user_ids_by_uid=uid_map)

    # -- users ----------------------------------------------------------------
    def users(self) -> list[DeviceUserInfo]:
        """The enrolled users (this also tells pyzk the device's user record size)."""
        users = []
        for u in self.call(self.zk.get_users):
            user_id = str(u.user_id)
            # pyzk shows a nameless user as "NN-<id>"; writing that back would rename them.
            name = "" if u.name == f"NN-{user_id}" else u.name
            users.append(
                DeviceUserInfo(u.uid, user_id, name, int(u.privilege), u.password, str(u.group_id), int(u.card))
            )
        return users

    @property
    def user_record_size(self) -> int:
        return int(self.zk.user_packet_size)

    def set_user_enabled(self, user: DeviceUserInfo, enabled: bool) -> None:
        privilege = user.privilege & ~PRIVILEGE_DISABLED if enabled else user.privilege | PRIVILEGE_DISABLED
        self.call(
            self.zk.set_user_record,
            uid=user.uid,
            name=user.name,
            privilege=privilege,
            password=user.password,
            group_id=user.group_id,
            user_id=user.user_id,
            card=user.card,
        )

    def delete_user(self, user: DeviceUserInfo) -> None:
        self.call(self.zk.delete_user, uid=user.uid)


__all__ = ["AttendanceLog", "DeviceConnection", "DeviceError", "DeviceUserInfo", "GuardedZK"]
