"""devices.client without the database: a bad record costs only itself, and
the guarded pyzk gives up on a device that hangs up mid-reply."""

import struct
from datetime import datetime

import pytest

from devices.client import AttendanceLog, DeviceConnection, DeviceError
from devices.zk import AttendanceRecord
from devices.zk.records import ATTENDANCE_TIME_OFFSET, encode_attendance

PUNCHES = [AttendanceRecord(str(i), datetime(2026, 3, 1, 7, i)) for i in range(1, 4)]


def test_an_undecodable_record_is_skipped_and_the_others_kept():
    # given three 40-byte records, the middle one stamped 31 February
    body = bytearray(b"".join(encode_attendance(p, 40) for p in PUNCHES))
    at = 40 + ATTENDANCE_TIME_OFFSET[40]
    body[at : at + 4] = struct.pack("<I", (1 * 31 + 30) * 86400)
    log = AttendanceLog(record_size=40, count=3, body=bytes(body))

    # when
    records, bad = log.records()

    # then
    assert [r.user_id for r in records] == ["1", "3"]
    assert bad == 1
    assert log.record_at(1) is None and log.record_at(2).user_id == "3"


def test_reading_from_an_index_decodes_only_the_tail():
    # given
    log = AttendanceLog(record_size=40, count=3, body=b"".join(encode_attendance(p, 40) for p in PUNCHES))

    # when
    records, bad = log.records(2)

    # then
    assert ([r.user_id for r in records], bad) == (["3"], 0)


def test_a_hangup_mid_reply_raises_instead_of_hanging(start_sim):
    # given a device that sends half of its punch log, then closes the connection
    sim = start_sim(attendance=PUNCHES, fail_mode="hangup")

    # when / then (pyzk alone would spin here forever)
    with (
        pytest.raises(DeviceError, match="broke off|mid-frame"),
        DeviceConnection("127.0.0.1", sim.port, timeout=2) as dev,
    ):
        dev.disable()
        dev.read_attendance()
    assert sim.enabled is True  # re-enabled on a new session
