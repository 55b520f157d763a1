"""Fault injection and robustness of the ZKTeco simulator, seen through pyzk."""

import socket
import struct
from datetime import datetime, timedelta

import pytest
from zk.exception import ZKNetworkError

from devices.zk import AttendanceRecord, UserRecord
from devices.zk import protocol as p

BASE = datetime(2026, 3, 1, 7, 0, 0)
USERS = [UserRecord(1, "1", "Ann"), UserRecord(2, "2", "Bob")]
PUNCHES = [AttendanceRecord(str(1 + i % 2), BASE + timedelta(minutes=i)) for i in range(10)]


@pytest.mark.parametrize("mode", ["truncated", "garbage", "drop"])
def test_a_broken_attendance_reply_surfaces_as_a_pyzk_network_error(start_sim, pyzk, mode):
    # given
    sim = start_sim(users=USERS, attendance=PUNCHES, fail_mode=mode)
    conn = pyzk(sim)

    # when / then
    with pytest.raises(ZKNetworkError):
        conn.get_attendance()


def test_a_slow_device_times_pyzk_out(start_sim, pyzk):
    # given
    sim = start_sim(users=USERS, attendance=PUNCHES, fail_mode="slow", fail_delay=2.0)
    conn = pyzk(sim, timeout=0.3)

    # when / then
    with pytest.raises(ZKNetworkError, match="timed out"):
        conn.get_attendance()


def test_a_corrupt_log_fails_in_pyzks_decoder(start_sim, pyzk):
    # given a well-framed log whose punch times are impossible dates
    sim = start_sim(users=USERS, attendance=PUNCHES, fail_mode="corrupt")
    conn = pyzk(sim)

    # when / then
    with pytest.raises(ValueError, match="day is out of range"):
        conn.get_attendance()


def test_after_garbage_the_session_can_still_re_enable_the_device(start_sim, pyzk):
    # given
    sim = start_sim(users=USERS, attendance=PUNCHES, fail_mode="garbage")
    conn = pyzk(sim)
    conn.disable_device()

    # when
    with pytest.raises(ZKNetworkError):
        conn.get_attendance()
    conn.enable_device()
    conn.disconnect()

    # then
    assert sim.enabled is True


def test_a_fault_with_a_count_lets_the_next_poll_through(start_sim, pyzk):
    # given
    sim = start_sim(users=USERS, attendance=PUNCHES, fail_mode="drop", fail_count=1)
    with pytest.raises(ZKNetworkError):
        pyzk(sim).get_attendance()

    # when
    records = pyzk(sim).get_attendance()

    # then
    assert len(records) == len(PUNCHES)


def test_connection_dropped_in_the_middle_of_a_chunked_read(start_sim, pyzk):
    # given a 160 kB log (3 chunks) and a device that hangs up at the second chunk
    log = [AttendanceRecord("1", BASE + timedelta(seconds=i)) for i in range(4000)]
    sim = start_sim(users=USERS, attendance=log)
    sim.set_fault("drop", on=p.CMD_READ_BUFFER, after=1, count=1)
    conn = pyzk(sim)

    # when / then
    with pytest.raises(ZKNetworkError):
        conn.get_attendance()
    assert sim.command_names().count("READ_BUFFER") == 2
    assert len(pyzk(sim).get_attendance()) == 4000


def test_a_truncated_connect_reply_fails_the_connect(start_sim, pyzk):
    # given
    sim = start_sim(fail_mode="truncated", fail_on=p.CMD_CONNECT)

    # when / then
    with pytest.raises(ZKNetworkError):
        pyzk(sim)


def test_a_client_sending_junk_does_not_stop_the_device(start_sim, pyzk):
    # given
    sim = start_sim(users=USERS, attendance=PUNCHES)
    with socket.create_connection(("127.0.0.1", sim.port), timeout=5) as junk:
        junk.sendall(b"GET / HTTP/1.0\r\n\r\n")
        try:
            answer = junk.recv(100)
        except ConnectionResetError:  # hung up with our bytes unread: a reset, not a FIN
            answer = b""
        assert answer == b""  # the device hangs up on a non-ZK frame

    # when
    records = pyzk(sim).get_attendance()

    # then
    assert len(records) == len(PUNCHES)
    assert any("not a ZK frame" in error for error in sim.errors)


class RawClient:
    """Speaks the frame format directly, to send what pyzk never would."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.session_id = 0

    def call(self, command, data=b""):
        self.sock.sendall(p.make_frame(command, self.session_id, 1, data))
        length = p.parse_top(self._recv(p.TOP_SIZE))
        body = self._recv(length)
        code, _checksum, self.session_id, _reply = p.HEADER.unpack_from(body)
        return code, body[p.HEADER_SIZE :]

    def _recv(self, size):
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            assert chunk, "device closed the connection"
            data += chunk
        return data


def test_unknown_and_malformed_commands_get_error_replies(start_sim):
    # given
    sim = start_sim(clock=lambda: BASE)
    client = RawClient(sim.port)
    assert client.call(p.CMD_CONNECT) == (p.CMD_ACK_OK, b"")

    # when
    unknown = client.call(4242)
    malformed = client.call(p.CMD_SET_TIME, b"\x01")  # 1 byte where 4 are due

    # then the session carries on
    assert unknown == (p.CMD_ACK_UNKNOWN, b"")
    assert malformed == (p.CMD_ACK_ERROR, b"")
    assert client.call(p.CMD_GET_TIME) == (p.CMD_ACK_OK, struct.pack("<I", p.encode_time(BASE)))
    client.sock.close()


def test_commands_before_auth_are_refused(start_sim):
    # given
    sim = start_sim(users=USERS, comm_password=42)
    client = RawClient(sim.port)
    assert client.call(p.CMD_CONNECT)[0] == p.CMD_ACK_UNAUTH

    # when
    reply = client.call(p.CMD_GET_FREE_SIZES)

    # then
    assert reply == (p.CMD_ACK_UNAUTH, b"")
    assert client.call(p.CMD_AUTH, p.make_commkey(42, client.session_id))[0] == p.CMD_ACK_OK
    assert client.call(p.CMD_GET_FREE_SIZES)[0] == p.CMD_ACK_OK
    client.sock.close()


def test_hangup_cuts_the_reply_in_half_and_closes(start_sim):
    # given (pyzk itself would spin forever on a cut data reply, so a raw client looks)
    sim = start_sim(clock=lambda: BASE, fail_mode="hangup", fail_on=p.CMD_GET_TIME)
    client = RawClient(sim.port)
    client.call(p.CMD_CONNECT)

    # when
    client.sock.sendall(p.make_frame(p.CMD_GET_TIME, client.session_id, 2))
    received = b""
    while chunk := client.sock.recv(100):
        received += chunk

    # then the frame announces 12 bytes of body, and the device hangs up after 2 of them
    assert p.parse_top(received[:8]) == 12
    assert len(received) == 10
    client.sock.close()


def test_stop_closes_idle_sessions(start_sim, pyzk):
    # given a client that never disconnects
    sim = start_sim(users=USERS)
    conn = pyzk(sim)

    # when
    sim.stop()

    # then
    assert sim.open_connections == 0
    with pytest.raises(ZKNetworkError):
        conn.get_users()
