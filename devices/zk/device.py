"""What a simulated ZKTeco device holds: users, the punch log (kept as the
record bytes the device sends, so a 100,000-punch read is one copy), its clock,
options and the enabled flag. The TCP side is in simulator.py and session.py."""

from __future__ import annotations

import struct
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from .protocol import decode_time, encode_time
from .records import (
    ATTENDANCE_STRUCTS,
    ATTENDANCE_TIME_OFFSET,
    AttendanceRecord,
    UserRecord,
    encode_attendance,
    encode_user,
)

# 2000-02-31: pyzk's decoder raises ValueError on it ("corrupt" fault).
_IMPOSSIBLE_TIME = struct.pack("<I", (1 * 31 + 30) * 86400)


class SimulatedDevice:
    def __init__(
        self,
        *,
        serial_number: str,
        users: Iterable[UserRecord | Mapping],
        attendance: Iterable[AttendanceRecord | Mapping | tuple],
        record_size: int,
        user_record_size: int,
        clock: Callable[[], datetime],
        platform: str,
        firmware_version: str,
        device_name: str,
        user_capacity: int,
        record_capacity: int,
        ip_address: str,
    ) -> None:
        if record_size not in ATTENDANCE_STRUCTS:
            raise ValueError("record_size is 8, 16 or 40")
        if user_record_size not in (28, 72):
            raise ValueError("user_record_size is 28 or 72")
        self.serial_number = serial_number
        self.record_size = record_size
        self.user_record_size = user_record_size
        self.firmware_version = firmware_version
        self.user_capacity = user_capacity
        self.record_capacity = record_capacity
        self._clock = clock
        self._lock = threading.RLock()
        self._users: dict[int, UserRecord] = {}
        self._uid_by_user_id: dict[str, int] = {}
        self._records: list[AttendanceRecord] = []
        # The log as the device would send it: 4-byte total, then the records,
        # appended as punches arrive so a read is a single copy.
        self._att_bytes = bytearray(4)
        self._time_offset = timedelta()
        self._enabled = True
        self._options = {
            "~SerialNumber": serial_number,
            "~Platform": platform,
            "~ZKFPVersion": "10",
            "~DeviceName": device_name,
            "~OS": "1",
            "~PIN2Width": "9",
            "~ExtendFmt": "1" if record_size == 40 else "0",
            "~UserExtFmt": "1" if user_record_size == 72 else "0",
            "MAC": "00:17:61:00:00:01",
            "ZKFaceVersion": "0",
            "FaceFunOn": "0",
            "CompatOldFirmware": "0",
            "IPAddress": ip_address,
            "NetMask": "255.255.255.0",
            "GATEIPAddress": "0.0.0.0",  # noqa: S104 - a reported setting, nothing binds to it
        }
        for user in users:
            self._put_user(user if isinstance(user, UserRecord) else self._user_from_mapping(user))
        for punch in attendance:
            self._add_record(self._coerce_punch(punch))

    # -- users -------------------------------------------------------------
    def add_user(
        self,
        user_id: str | int,
        name: str = "",
        *,
        uid: int | None = None,
        privilege: int = 0,
        password: str = "",
        group_id: str = "",
        card: int = 0,
    ) -> UserRecord:
        """Enrol or update a user (by uid, else by user_id); a new user gets the next free uid."""
        user_id = str(user_id)
        with self._lock:
            if uid is None:
                existing = self.user(user_id)
                uid = existing.uid if existing else max(self._users, default=0) + 1
            user = UserRecord(uid, user_id, name, privilege, password, group_id, card)
            self._put_user(user)
            return user

    def remove_user(self, user_id: str | int) -> bool:
        with self._lock:
            user = self.user(user_id)
            if user is None:
                return False
            self._delete_uid(user.uid)
            return True

    def user(self, user_id: str | int) -> UserRecord | None:
        with self._lock:
            uid = self._uid_by_user_id.get(str(user_id))
            return None if uid is None else self._users[uid]

    @property
    def users(self) -> list[UserRecord]:
        with self._lock:
            return [self._users[uid] for uid in sorted(self._users)]

    def _put_user(self, user: UserRecord) -> None:
        if self.user_record_size == 28 and not user.user_id.isdigit():
            raise ValueError("a 28-byte user record holds a numeric user_id only")
        with self._lock:
            self._delete_uid(user.uid)
            self._users[user.uid] = user
            self._uid_by_user_id[user.user_id] = user.uid

    def _delete_uid(self, uid: int) -> None:
        with self._lock:
            user = self._users.pop(uid, None)
            if user is not None and self._uid_by_user_id.get(user.user_id) == uid:
                del self._uid_by_user_id[user.user_id]

    def _user_from_mapping(self, data: Mapping) -> UserRecord:
        data = dict(data)
        if data.get("uid") is None:
            data["uid"] = max(self._users, default=0) + 1
        data["user_id"] = str(data["user_id"])
        return UserRecord(**data)

    # -- attendance ----------------------------------------------------------
    def add_attendance(self, user_id: str | int, when: datetime, status: int = 0, punch: int = 0) -> AttendanceRecord:
        """Record a punch at device-local wall time `when` (seconds precision)."""
        return self._add_record(AttendanceRecord(str(user_id), when.replace(microsecond=0), status, punch))

    @property
    def attendance(self) -> list[AttendanceRecord]:
        with self._lock:
            return list(self._records)

    @property
    def attendance_count(self) -> int:
        with self._lock:
            return len(self._records)

    def clear_attendance(self) -> None:
        with self._lock:
            self._records.clear()
            self._att_bytes = bytearray(4)

    def _coerce_punch(self, punch: AttendanceRecord | Mapping | tuple) -> AttendanceRecord:
        if isinstance(punch, AttendanceRecord):
            return punch
        if isinstance(punch, Mapping):
            data = dict(punch)
            return AttendanceRecord(str(data.pop("user_id")), data.pop("timestamp"), **data)
        user_id, when, *rest = punch
        return AttendanceRecord(str(user_id), when, *rest)

    def _add_record(self, record: AttendanceRecord) -> AttendanceRecord:
        with self._lock:
            if not record.uid:
                user = self.user(record.user_id)
                uid = user.uid if user else (int(record.user_id) if record.user_id.isdigit() else 0)
                record = replace(record, uid=uid)
            if self.record_size == 16 and not record.user_id.isdigit():
                raise ValueError("a 16-byte attendance record holds a numeric user_id only")
            self._att_bytes += encode_attendance(record, self.record_size)
            struct.pack_into("<I", self._att_bytes, 0, len(self._att_bytes) - 4)
            self._records.append(record)
            return record

    # -- clock and state -----------------------------------------------------
    def device_time(self) -> datetime:
        return (self._clock() + self._time_offset).replace(microsecond=0, tzinfo=None)

    def set_time(self, when: datetime) -> None:
        """Set the device clock (as SET_TIME does); it then runs on from there."""
        self._time_offset = when.replace(tzinfo=None) - self._clock().replace(tzinfo=None)

    @property
    def enabled(self) -> bool:
        return self._enabled

    def _set_enabled(self, enabled: bool) -> None:
        self._enabled = enabled

    def _set_device_time(self, value: int) -> None:
        self.set_time(decode_time(value))

    def _device_time_value(self) -> int:
        return encode_time(self.device_time())

    # -- what the device sends -------------------------------------------------
    def _option(self, key: str) -> str | None:
        with self._lock:
            return self._options.get(key)

    def _set_option(self, key: str, value: str) -> None:
        with self._lock:
            self._options[key] = value

    def _users_payload(self) -> bytes:
        with self._lock:
            body = b"".join(encode_user(self._users[uid], self.user_record_size) for uid in sorted(self._users))
        return struct.pack("<I", len(body)) + body

    def _attendance_payload(self, corrupt: bool = False) -> bytes:
        with self._lock:
            payload = bytes(self._att_bytes)
        if corrupt:
            buf = bytearray(payload)
            offset = ATTENDANCE_TIME_OFFSET[self.record_size]
            for start in range(4 + offset, len(buf), self.record_size):
                buf[start : start + 4] = _IMPOSSIBLE_TIME
            payload = bytes(buf)
        return payload

    def _free_sizes(self) -> bytes:
        with self._lock:
            users, records = len(self._users), len(self._records)
        users_cap = max(self.user_capacity, users)
        rec_cap = max(self.record_capacity, records)
        fields = [0] * 20
        fields[4], fields[8] = users, records  # fields[6] fingers, [12] cards: none
        fields[14], fields[15], fields[16] = 3000, users_cap, rec_cap
        fields[17], fields[18], fields[19] = 3000, users_cap - users, rec_cap - records
        return struct.pack("<20i", *fields) + struct.pack("<3i", 0, 0, 0)  # + faces, face capacity
