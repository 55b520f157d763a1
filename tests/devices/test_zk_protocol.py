"""The shared ZKTeco encoding helpers agree with pyzk 0.9 byte for byte."""

import os
import random
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from zk import ZK
from zk.base import make_commkey as pyzk_make_commkey

from devices.zk import protocol as p
from devices.zk.records import UserRecord, decode_attendance, decode_user, encode_user

PYZK = ZK("127.0.0.1", ommit_ping=True)
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("size", [0, 1, 8, 9, 64, 1031])
def test_checksum_matches_pyzk(size):
    # given packets of random, all-zero and all-0xFF bytes
    rng = random.Random(size)
    packets = [bytes(rng.randrange(256) for _ in range(size)), bytes(size), b"\xff" * size]

    for packet in packets:
        # when
        ours = p.checksum(packet)

        # then
        assert ours == int.from_bytes(PYZK._ZK__create_checksum(packet), "little")


@pytest.mark.parametrize(
    "when",
    [
        datetime(2000, 1, 1, 0, 0, 0),
        datetime(2024, 2, 29, 23, 59, 59),
        datetime(2026, 12, 31, 6, 5, 4),
        datetime(2099, 12, 31, 23, 59, 59),
    ],
)
def test_time_encoding_matches_pyzk(when):
    # when
    value = p.encode_time(when)

    # then
    assert value == PYZK._ZK__encode_time(when)
    assert p.decode_time(value) == when == PYZK._ZK__decode_time(value.to_bytes(4, "little"))


def test_time_outside_the_device_range_is_refused():
    with pytest.raises(ValueError, match="1999"):
        p.encode_time(datetime(1999, 12, 31))
    with pytest.raises(ValueError):
        p.decode_time((1 * 31 + 30) * 86400)  # 31 February 2000


@pytest.mark.parametrize(("password", "session_id"), [(1, 1001), (123456, 1002), (999999, 65000), (2**31, 7)])
def test_commkey_matches_pyzk(password, session_id):
    assert p.make_commkey(password, session_id) == pyzk_make_commkey(password, session_id)


def test_frame_layout():
    # when
    frame = p.make_frame(p.CMD_ACK_OK, 1234, 7, b"abc")

    # then
    assert p.parse_top(frame[:8]) == len(frame) - 8 == 11
    command, _checksum, session_id, reply_id = p.HEADER.unpack_from(frame, 8)
    assert (command, session_id, reply_id, frame[16:]) == (2000, 1234, 7, b"abc")
    assert p.parse_top(b"\x00" * 8) is None


@pytest.mark.parametrize("size", [28, 72])
def test_user_records_round_trip(size):
    # given
    user = UserRecord(uid=300, user_id="123456", name="Rahim", privilege=14, password="1234", group_id="1", card=99)

    # when
    raw = encode_user(user, size)

    # then
    assert len(raw) == size
    assert decode_user(raw) == user


def test_the_zk_package_needs_no_django():
    # given a fresh interpreter without Django settings
    code = (
        "import sys, devices.zk, devices.zk.demo;"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}

    # when
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)

    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("size", [40, 16, 8])
def test_linear_attendance_decoder_agrees_with_pyzk(start_sim, pyzk, size):
    # given
    users = [UserRecord(1, "101", "Ann"), UserRecord(4, "2001", "Bob")]
    log = [
        ("101", datetime(2026, 3, 1, 6, 0, 1)),
        ("2001", datetime(2026, 3, 2, 21, 59, 59), 1, 1),
        ("77", datetime(2026, 4, 30, 12)),  # not enrolled
    ]
    sim = start_sim(users=users, attendance=log, record_size=size, max_one_go_bytes=0)
    conn = pyzk(sim)
    expected = [(a.user_id, a.timestamp, a.status, a.punch) for a in conn.get_attendance()]

    # when
    raw, _size = conn.read_with_buffer(p.CMD_ATTLOG_RRQ)
    records = decode_attendance(raw[4:], size, {u.uid: u.user_id for u in users})

    # then
    assert [(a.user_id, a.timestamp, a.status, a.punch) for a in records] == expected
