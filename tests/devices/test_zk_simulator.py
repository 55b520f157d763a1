"""The real pyzk 0.9 client against the ZKTeco simulator over loopback TCP."""

import threading
from datetime import datetime, timedelta

import pytest
from zk.exception import ZKErrorResponse

from devices.zk import AttendanceRecord, UserRecord

BASE = datetime(2026, 3, 1, 6, 30, 15)
USERS = [
    UserRecord(1, "101", "Ann Admin", privilege=14, password="12"),
    UserRecord(2, "102", "Bob"),
    UserRecord(7, "2001", "Cat"),
]
PUNCHES = [
    AttendanceRecord("101", BASE, status=1, punch=0),
    AttendanceRecord("2001", BASE + timedelta(minutes=3, seconds=7), status=1, punch=1),
    AttendanceRecord("102", BASE + timedelta(days=40, hours=12), status=15, punch=0),
    AttendanceRecord("555", datetime(2026, 12, 31, 23, 59, 59)),  # not enrolled (any more)
]


def punches(records):
    return [(a.user_id, a.timestamp, a.status, a.punch) for a in records]


def test_connect_reads_serial_number_and_device_info(start_sim, pyzk):
    # given
    sim = start_sim(serial_number="ABC123", firmware_version="Ver 6.60 Sep 1 2020")

    # when
    conn = pyzk(sim)

    # then
    assert conn.get_serialnumber() == "ABC123"
    assert conn.get_firmware_version() == "Ver 6.60 Sep 1 2020"
    assert conn.get_platform() == "ZMM220_TFT"
    assert conn.get_fp_version() == 10
    assert sim.session_count == 1
    # pyzk probes with a throwaway connection before the real one
    assert sim.connection_count == 2
    assert sim.command_names()[:2] == ["CONNECT", "OPTIONS_RRQ"]


@pytest.mark.parametrize(
    ("user_record_size", "names"),
    [(72, ["Ann Admin", "Bob", "Cat"]), (28, ["Ann Admi", "Bob", "Cat"])],  # 28-byte records hold 8-byte names
)
def test_get_users_returns_enrolled_users(start_sim, pyzk, user_record_size, names):
    # given
    sim = start_sim(users=USERS, user_record_size=user_record_size)
    conn = pyzk(sim)

    # when
    users = conn.get_users()

    # then
    assert [(u.uid, u.user_id, u.name, u.privilege, u.password) for u in users] == [
        (1, "101", names[0], 14, "12"),
        (2, "102", names[1], 0, ""),
        (7, "2001", names[2], 0, ""),
    ]
    assert conn.user_packet_size == user_record_size


@pytest.mark.parametrize("record_size", [40, 16, 8])
def test_get_attendance_returns_exact_punches(start_sim, pyzk, record_size):
    # given
    sim = start_sim(users=USERS, attendance=PUNCHES, record_size=record_size)
    conn = pyzk(sim)

    # when
    records = conn.get_attendance()

    # then
    assert punches(records) == punches(PUNCHES)
    assert "READ_BUFFER" not in sim.command_names()  # a small log comes in one DATA reply


def test_get_attendance_reads_a_chunked_buffer(start_sim, pyzk):
    # given a device that always answers PREPARE_BUFFER with a size to read in chunks
    sim = start_sim(users=USERS, attendance=PUNCHES, max_one_go_bytes=0)
    conn = pyzk(sim)

    # when
    records = conn.get_attendance()

    # then
    assert punches(records) == punches(PUNCHES)
    names = sim.command_names()
    assert names.count("READ_BUFFER") == 2  # one chunk for the users, one for the log
    assert names.count("FREE_DATA") == 2


def test_get_attendance_reads_a_large_log_in_many_chunks(start_sim, pyzk):
    # given 20,000 punches of 40 bytes (800 kB: 13 chunks of pyzk's 65,472 bytes, records straddling chunk borders)
    log = [AttendanceRecord(str(100 + i % 3), BASE + timedelta(seconds=7 * i), punch=i % 2) for i in range(20_000)]
    sim = start_sim(users=USERS, attendance=log)
    conn = pyzk(sim)

    # when
    records = conn.get_attendance()

    # then
    assert punches(records) == punches(log)
    assert sim.command_names().count("READ_BUFFER") == 13


def test_punches_added_while_running_show_on_the_next_read(start_sim, pyzk):
    # given
    sim = start_sim(users=USERS, attendance=PUNCHES)
    conn = pyzk(sim)
    assert len(conn.get_attendance()) == len(PUNCHES)

    # when
    sim.add_attendance("102", BASE + timedelta(hours=2), status=1, punch=1)

    # then
    records = conn.get_attendance()
    assert len(records) == len(PUNCHES) + 1
    assert punches(records[-1:]) == [("102", BASE + timedelta(hours=2), 1, 1)]


def test_punches_added_from_another_thread_are_all_served(start_sim, pyzk):
    # given
    sim = start_sim(users=USERS)
    conn = pyzk(sim)

    def punch_in():
        for i in range(300):
            sim.add_attendance("102", BASE + timedelta(seconds=i))

    # when
    writer = threading.Thread(target=punch_in)
    writer.start()
    counts = [len(conn.get_attendance()) for _ in range(3)]
    writer.join(timeout=10)

    # then every read was a consistent snapshot and the last read after the writer sees all
    assert counts == sorted(counts)
    assert [a.timestamp for a in conn.get_attendance()] == [BASE + timedelta(seconds=i) for i in range(300)]


def test_disable_and_enable_are_tracked_across_sessions(start_sim, pyzk):
    # given
    sim = start_sim(users=USERS, attendance=PUNCHES)
    first = pyzk(sim)

    # when a client disables the device and leaves without re-enabling it
    first.disable_device()
    first.get_attendance()
    first.disconnect()

    # then the device stays locked until a later session enables it
    assert sim.enabled is False
    second = pyzk(sim)
    second.enable_device()
    assert sim.enabled is True
    names = sim.command_names()
    assert names.index("DISABLEDEVICE") < names.index("ENABLEDEVICE")


def test_set_user_and_delete_user_change_the_device(start_sim, pyzk):
    # given
    sim = start_sim(users=USERS)
    conn = pyzk(sim)

    # when
    conn.set_user(uid=9, name="Dan", privilege=0, password="4321", user_id="109", card=777)
    conn.set_user(uid=2, name="Bobby", user_id="102")
    conn.delete_user(user_id="101")

    # then
    assert sim.user("109") == UserRecord(9, "109", "Dan", 0, "4321", "", 777)
    assert sim.user("102").name == "Bobby"
    assert sim.user("101") is None
    assert [u.user_id for u in conn.get_users()] == ["102", "2001", "109"]
    assert sim.command_names().count("REFRESHDATA") == 3


def test_set_user_on_a_28_byte_device_needs_get_users_first(start_sim, pyzk):
    # given a 28-byte device; pyzk assumes 72-byte records until get_users() says otherwise
    sim = start_sim(users=USERS, user_record_size=28)
    conn = pyzk(sim)

    # when / then
    with pytest.raises(ZKErrorResponse):
        conn.set_user(uid=9, name="Dan", user_id="109")
    assert sim.user("109") is None
    conn.get_users()
    conn.set_user(uid=9, name="Dan", user_id="109")
    assert sim.user("109") == UserRecord(9, "109", "Dan", 0, "", "0", 0)


def test_comm_password_is_accepted(start_sim, pyzk):
    # given
    sim = start_sim(comm_password=123456, serial_number="SECURE1")

    # when
    conn = pyzk(sim, password=123456)

    # then
    assert conn.get_serialnumber() == "SECURE1"
    assert sim.command_names()[:2] == ["CONNECT", "AUTH"]
    assert sim.session_count == 1


@pytest.mark.parametrize("password", [0, 654321])
def test_wrong_comm_password_is_refused(start_sim, pyzk, password):
    # given
    sim = start_sim(comm_password=123456)

    # when / then
    with pytest.raises(ZKErrorResponse, match="Unauthenticated"):
        pyzk(sim, password=password)
    assert sim.auth_failures == 1
    assert sim.session_count == 0


def test_get_time_and_set_time_use_the_device_clock(start_sim, pyzk):
    # given a device whose clock is set years wrong
    sim = start_sim(clock=lambda: datetime(2031, 5, 31, 23, 59, 58))
    conn = pyzk(sim)
    assert conn.get_time() == datetime(2031, 5, 31, 23, 59, 58)

    # when
    conn.set_time(datetime(2026, 2, 28, 8, 0, 5))

    # then
    assert sim.device_time() == datetime(2026, 2, 28, 8, 0, 5)
    assert conn.get_time() == datetime(2026, 2, 28, 8, 0, 5)


def test_clear_attendance_empties_the_log(start_sim, pyzk):
    # given
    sim = start_sim(users=USERS, attendance=PUNCHES)
    conn = pyzk(sim)

    # when
    conn.clear_attendance()

    # then
    assert sim.attendance_count == 0
    assert conn.get_attendance() == []
    assert sim.users == USERS  # users are kept


def test_free_sizes_report_exact_counts(start_sim, pyzk):
    # given
    sim = start_sim(users=USERS, attendance=PUNCHES, user_capacity=1000, record_capacity=2)

    # when
    conn = pyzk(sim)
    conn.read_sizes()

    # then
    assert (conn.users, conn.records, conn.fingers) == (3, 4, 0)
    assert (conn.users_cap, conn.users_av) == (1000, 997)
    assert (conn.rec_cap, conn.rec_av) == (4, 0)  # a full log reports itself full
