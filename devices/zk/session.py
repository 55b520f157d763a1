"""One TCP connection to the simulated device: read request frames, answer
each with exactly the frames pyzk 0.9 expects, inject faults.

pyzk reads most replies with a single recv(expected + 8), so replies must be
exact: header-only where pyzk expects 8 bytes, one frame per reply, and for a
buffered chunk PREPARE_DATA (8 data bytes) + DATA + ACK_OK (PROTOCOLS.md).
"""

from __future__ import annotations

import os
import struct
from typing import TYPE_CHECKING

from . import protocol as p
from .records import decode_user

if TYPE_CHECKING:
    import socket

    from .simulator import ZKSimulator

MAX_REQUEST_BODY = 0x10000 + 64  # pyzk never sends more than ~1 KiB of data
NO_AUTH_NEEDED = {p.CMD_CONNECT, p.CMD_AUTH, p.CMD_EXIT}
PLAIN_ACK = {
    p.CMD_REFRESHDATA,
    p.CMD_REFRESHOPTION,
    p.CMD_TESTVOICE,
    p.CMD_UNLOCK,
    p.CMD_CANCELCAPTURE,
    p.CMD_REG_EVENT,
}
BUFFER_TABLES = {p.CMD_ATTLOG_RRQ: "attendance", p.CMD_USERTEMP_RRQ: "users", p.CMD_DB_RRQ: "templates"}


class DeviceSession:
    def __init__(self, sim: ZKSimulator, sock: socket.socket, number: int) -> None:
        self.sim = sim
        self.sock = sock
        self.number = number
        self.session_id = 0
        self.authenticated = False
        self.reply_id = 0
        self.close_after = False
        self.buffer: bytes | None = None  # table prepared for chunked READ_BUFFER
        self.buffer_kind = ""

    def serve(self) -> None:
        while not self.sim._stopping.is_set():
            try:
                request = self._read_request()
            except OSError:
                return  # client went away, idle timeout, or stop()
            if request is None or not self._handle(*request):
                return

    def _recv_exact(self, size: int) -> bytes | None:
        chunks, remaining = [], size
        while remaining:
            chunk = self.sock.recv(remaining)
            if not chunk:
                return None
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _read_request(self) -> tuple[int, int, bytes] | None:
        top = self._recv_exact(p.TOP_SIZE)
        if top is None:
            return None  # includes pyzk's throwaway connect-and-close
        length = p.parse_top(top)
        if length is None or not p.HEADER_SIZE <= length <= MAX_REQUEST_BODY:
            self.sim._record_error(f"connection {self.number}: not a ZK frame ({top.hex()}), closing")
            return None
        body = self._recv_exact(length)
        if body is None:
            return None
        command, _checksum, _session, reply_id = p.HEADER.unpack_from(body)
        return command, reply_id, body[p.HEADER_SIZE :]

    def _handle(self, command: int, reply_id: int, data: bytes) -> bool:
        """Answer one request; False closes the connection."""
        self.reply_id = reply_id
        self.sim._log_command(self.number, command, data)
        fault = self.sim._take_fault(self._fault_labels(command, data))
        mode = fault.mode if fault else None
        if mode == "drop":
            return False
        if mode == "garbage":
            self.sock.sendall(_noise(16))
            return True
        try:
            reply = self._dispatch(command, data, corrupt=mode == "corrupt")
        except Exception as exc:  # malformed request data: an error reply, not a dead device
            self.sim._record_error(f"connection {self.number}: {p.command_name(command)} failed: {exc!r}")
            reply = self._frame(p.CMD_ACK_ERROR)
        if mode in ("truncated", "hangup"):
            self.sock.sendall(reply[:12] if mode == "truncated" else reply[: len(reply) // 2])
            return False
        if mode == "slow" and self.sim._stopping.wait(fault.delay):
            return False
        self.sock.sendall(reply)
        return not self.close_after

    def _fault_labels(self, command: int, data: bytes) -> set:
        labels: set = {command}
        if command == p.CMD_PREPARE_BUFFER and len(data) >= 3:
            labels.add(BUFFER_TABLES.get(struct.unpack_from("<h", data, 1)[0], ""))
        elif command == p.CMD_READ_BUFFER and self.buffer is not None:
            labels.add(self.buffer_kind)
        return labels

    def _frame(self, code: int, data: bytes = b"") -> bytes:
        return p.make_frame(code, self.session_id, self.reply_id, data)

    def _dispatch(self, command: int, data: bytes, corrupt: bool = False) -> bytes:
        sim = self.sim
        if command not in NO_AUTH_NEEDED and not self.authenticated:
            return self._frame(p.CMD_ACK_UNAUTH)
        if command == p.CMD_CONNECT:
            return self._connect()
        if command == p.CMD_AUTH:
            return self._auth(data)
        if command == p.CMD_EXIT:
            self.close_after = True
            return self._frame(p.CMD_ACK_OK)
        if command in (p.CMD_ENABLEDEVICE, p.CMD_DISABLEDEVICE):
            sim._set_enabled(command == p.CMD_ENABLEDEVICE)
            return self._frame(p.CMD_ACK_OK)
        if command == p.CMD_GET_VERSION:
            return self._frame(p.CMD_ACK_OK, sim.firmware_version.encode() + b"\x00")
        if command == p.CMD_OPTIONS_RRQ:
            key = data.split(b"\x00", 1)[0].decode("latin-1")
            value = sim._option(key)
            if value is None:
                return self._frame(p.CMD_ACK_ERROR)
            return self._frame(p.CMD_ACK_OK, f"{key}={value}\x00".encode())
        if command == p.CMD_OPTIONS_WRQ:
            key, _, value = data.split(b"\x00", 1)[0].decode("latin-1").partition("=")
            sim._set_option(key, value)
            return self._frame(p.CMD_ACK_OK)
        if command == p.CMD_GET_FREE_SIZES:
            return self._frame(p.CMD_ACK_OK, sim._free_sizes())
        if command == p.CMD_GET_TIME:
            return self._frame(p.CMD_ACK_OK, struct.pack("<I", sim._device_time_value()))
        if command == p.CMD_SET_TIME:
            sim._set_device_time(struct.unpack_from("<I", data)[0])
            return self._frame(p.CMD_ACK_OK)
        if command == p.CMD_GET_PINWIDTH:
            return self._frame(p.CMD_ACK_OK, bytes([9]))  # pyzk reads exactly one byte
        if command == p.CMD_PREPARE_BUFFER:
            return self._prepare_buffer(data, corrupt)
        if command == p.CMD_READ_BUFFER:
            return self._read_buffer(data)
        if command == p.CMD_FREE_DATA:
            self.buffer, self.buffer_kind = None, ""
            return self._frame(p.CMD_ACK_OK)
        if command == p.CMD_USER_WRQ:
            return self._write_user(data)
        if command == p.CMD_DELETE_USER:
            sim._delete_uid(struct.unpack_from("<H", data)[0])
            return self._frame(p.CMD_ACK_OK)
        if command == p.CMD_CLEAR_ATTLOG:
            sim.clear_attendance()
            return self._frame(p.CMD_ACK_OK)
        if command in (p.CMD_RESTART, p.CMD_POWEROFF):
            sim._set_enabled(True)  # a rebooted device comes back enabled
            self.close_after = True
            return self._frame(p.CMD_ACK_OK)
        if command in PLAIN_ACK:
            return self._frame(p.CMD_ACK_OK)
        return self._frame(p.CMD_ACK_UNKNOWN)

    def _connect(self) -> bytes:
        self.session_id = self.sim._new_session_id()
        if self.sim.comm_password:
            self.authenticated = False
            return self._frame(p.CMD_ACK_UNAUTH)  # the client must AUTH with the comm key
        self.authenticated = True
        self.sim._session_opened()
        return self._frame(p.CMD_ACK_OK)

    def _auth(self, data: bytes) -> bytes:
        password = self.sim.comm_password
        # The third byte carries the client's "ticks"; the rest must match the key.
        ticks = data[2] if len(data) >= 3 else 50
        if password and data[:4] != p.make_commkey(password, self.session_id, ticks):
            self.authenticated = False
            self.sim._auth_failed()
            return self._frame(p.CMD_ACK_UNAUTH)
        self.authenticated = True
        self.sim._session_opened()
        return self._frame(p.CMD_ACK_OK)

    def _prepare_buffer(self, data: bytes, corrupt: bool) -> bytes:
        # pyzk packs '<bhii' (flag, table command, fct, ext); dispatch on the command.
        _flag, table, _fct, _ext = struct.unpack_from("<bhii", data)
        kind = BUFFER_TABLES.get(table)
        if kind == "attendance":
            payload = self.sim._attendance_payload(corrupt)
        elif kind == "users":
            payload = self.sim._users_payload()
        elif kind == "templates":
            payload = struct.pack("<I", 0)  # no fingerprint templates are simulated
        else:
            return self._frame(p.CMD_ACK_ERROR)
        if len(payload) <= self.sim.max_one_go_bytes:
            return self._frame(p.CMD_DATA, payload)
        self.buffer, self.buffer_kind = payload, kind
        # pyzk reads the buffer size at data[1:5].
        return self._frame(p.CMD_ACK_OK, struct.pack("<BII", 0, len(payload), 0))

    def _read_buffer(self, data: bytes) -> bytes:
        start, size = struct.unpack_from("<ii", data)
        if self.buffer is None or start < 0 or size <= 0 or start >= len(self.buffer):
            return self._frame(p.CMD_ACK_ERROR)
        chunk = self.buffer[start : start + size]
        return b"".join(
            (
                self._frame(p.CMD_PREPARE_DATA, struct.pack("<II", len(chunk), 0)),
                self._frame(p.CMD_DATA, chunk),
                self._frame(p.CMD_ACK_OK),
            )
        )

    def _write_user(self, data: bytes) -> bytes:
        # A real device takes only its own record size: pyzk assumes 72 bytes
        # until get_users() has told it otherwise, and a 28-byte device refuses.
        if len(data) != self.sim.user_record_size:
            self.sim._record_error(
                f"connection {self.number}: USER_WRQ of {len(data)} bytes on a {self.sim.user_record_size}-byte device"
            )
            return self._frame(p.CMD_ACK_ERROR)
        self.sim._put_user(decode_user(data))
        return self._frame(p.CMD_ACK_OK)


def _noise(size: int) -> bytes:
    """Random bytes that never start with the frame magic."""
    noise = bytearray(os.urandom(size))
    noise[0] = 0x00
    return bytes(noise)
