"""User and attendance records as a ZKTeco device stores them, and their byte
layouts (pyzk 0.9): users in 28 or 72 bytes, punches in 8, 16 or 40 bytes."""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from .protocol import decode_time, encode_time

USER_28 = struct.Struct("<HB5s8sIxBhI")  # uid, privilege, password, name, card, group, timezone, user_id
USER_72 = struct.Struct("<HB8s24sIx7sx24s")  # uid, privilege, password, name, card, group, user_id
ATT_8 = struct.Struct("<HBIB")  # uid, status, time, punch
ATT_16 = struct.Struct("<IIBB2sI")  # user_id, time, status, punch, reserved, workcode
ATT_40 = struct.Struct("<H24sBIB8s")  # uid, user_id, status, time, punch, reserved
USER_STRUCTS = {28: USER_28, 72: USER_72}
ATTENDANCE_STRUCTS = {8: ATT_8, 16: ATT_16, 40: ATT_40}
# Where the 4-byte time sits inside each attendance layout.
ATTENDANCE_TIME_OFFSET = {8: 3, 16: 4, 40: 27}


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A user enrolled on the device. `uid` is the device's own slot number;
    `user_id` is the enrolment id people know (GymOS stores it as biometric_id)."""

    uid: int
    user_id: str
    name: str = ""
    privilege: int = 0
    password: str = ""
    group_id: str = ""
    card: int = 0


@dataclass(frozen=True, slots=True)
class AttendanceRecord:
    """One punch; `timestamp` is device-local wall time (naive)."""

    user_id: str
    timestamp: datetime
    status: int = 0
    punch: int = 0
    uid: int = 0


def _text(value: str, size: int) -> bytes:
    return value.encode("utf-8", errors="ignore")[:size]


def _cstr(raw: bytes) -> str:
    return raw.split(b"\x00", 1)[0].decode("utf-8", errors="ignore")


def encode_user(user: UserRecord, size: int) -> bytes:
    if size == 28:
        return USER_28.pack(
            user.uid,
            user.privilege,
            _text(user.password, 5),
            _text(user.name, 8),
            user.card,
            int(user.group_id or 0),
            0,
            int(user.user_id),
        )
    if size == 72:
        return USER_72.pack(
            user.uid,
            user.privilege,
            _text(user.password, 8),
            _text(user.name, 24),
            user.card,
            _text(user.group_id, 7),
            _text(user.user_id, 24),
        )
    raise ValueError(f"unsupported user record size {size}")


def decode_user(raw: bytes) -> UserRecord:
    """A user record as pyzk's set_user sends it (28 or 72 bytes)."""
    if len(raw) == 28:
        uid, privilege, password, name, card, group_id, _tz, user_id = USER_28.unpack(raw)
        return UserRecord(uid, str(user_id), _cstr(name), privilege, _cstr(password), str(group_id), card)
    if len(raw) == 72:
        uid, privilege, password, name, card, group_id, user_id = USER_72.unpack(raw)
        return UserRecord(uid, _cstr(user_id), _cstr(name), privilege, _cstr(password), _cstr(group_id), card)
    raise ValueError(f"a user record is 28 or 72 bytes, got {len(raw)}")


def encode_attendance(record: AttendanceRecord, size: int) -> bytes:
    when = encode_time(record.timestamp)
    if size == 40:
        return ATT_40.pack(record.uid, _text(record.user_id, 24), record.status, when, record.punch, b"")
    if size == 16:
        return ATT_16.pack(int(record.user_id), when, record.status, record.punch, b"", 0)
    if size == 8:
        return ATT_8.pack(record.uid, record.status, when, record.punch)
    raise ValueError(f"unsupported attendance record size {size}")


def decode_attendance(
    raw: bytes, size: int, user_ids_by_uid: Mapping[int, str] | None = None
) -> list[AttendanceRecord]:
    """The records of an attendance buffer (without its 4-byte total), in one
    linear pass. pyzk's own get_attendance() re-slices the buffer per record,
    which is quadratic: ~5 s for 100,000 records, ~38 s for 200,000.

    8-byte records carry only the device uid: `user_ids_by_uid` maps it to the
    user_id (as pyzk does with get_users()); unknown uids read as str(uid).
    """
    layout = ATTENDANCE_STRUCTS[size]
    usable = len(raw) - len(raw) % size
    names = user_ids_by_uid or {}
    if size == 40:
        return [
            AttendanceRecord(_cstr(user_id), decode_time(when), status, punch, uid)
            for uid, user_id, status, when, punch, _ in layout.iter_unpack(raw[:usable])
        ]
    if size == 16:
        return [
            AttendanceRecord(str(user_id), decode_time(when), status, punch)
            for user_id, when, status, punch, _, _ in layout.iter_unpack(raw[:usable])
        ]
    return [
        AttendanceRecord(names.get(uid, str(uid)), decode_time(when), status, punch, uid)
        for uid, status, when, punch in layout.iter_unpack(raw[:usable])
    ]
