"""A ZKTeco attendance device on loopback that the real pyzk 0.9 client reads.

Plain Python (threads, sockets, struct): no Django, so tests, benchmarks and
the `zk_simulator` command all use the same device.

    with ZKSimulator(users=[...], attendance=[...], comm_password=1234) as sim:
        zk = ZK("127.0.0.1", port=sim.port, password=1234, ommit_ping=True, timeout=5)

What the device holds is in device.py; this module adds the TCP server (one
thread per connection), the command log, counters and fault injection; the wire
dialogue of one connection is in session.py.

pyzk hazard worth knowing: if a device closes the connection in the middle of
a DATA frame, pyzk's raw-data loop spins forever on recv() == b"" (no timeout
helps). Only the "hangup" fault does that; every other mode surfaces as an
exception in pyzk.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from .device import SimulatedDevice
from .protocol import PYZK_TCP_MAX_CHUNK, command_name
from .records import AttendanceRecord, UserRecord
from .session import DeviceSession

logger = logging.getLogger(__name__)

FAULT_MODES = ("truncated", "garbage", "drop", "slow", "corrupt", "hangup")


@dataclass(frozen=True, slots=True)
class LoggedCommand:
    connection: int  # 1-based number of the TCP connection that sent it
    code: int
    name: str
    data: bytes  # first 64 bytes of the request data


@dataclass(slots=True)
class Fault:
    """Misbehaviour for commands matching `on` (a command code, "attendance" or
    "users" for the buffered reads of those tables and their chunks).

    Modes: "truncated" (performs the command, sends the first 12 bytes of the
    reply, closes), "garbage" (16 bytes of noise instead of a reply, command not
    performed, connection kept and in step), "drop" (closes without a reply, not
    performed), "slow" (performs, replies after `delay` seconds), "corrupt"
    (attendance only: well-framed log whose punch times are impossible dates),
    "hangup" (performs, sends the first half of the reply, closes: pyzk 0.9
    then spins forever on a data reply, so use it only to test a guard).
    `after` matching commands pass first; then `count` fail (None: all).
    """

    mode: str
    on: int | str = "attendance"
    count: int | None = None
    after: int = 0
    delay: float = 2.0


class ZKSimulator(SimulatedDevice):
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        serial_number: str = "SIM0001",
        comm_password: int = 0,
        users: Iterable[UserRecord | Mapping] = (),
        attendance: Iterable[AttendanceRecord | Mapping | tuple] = (),
        record_size: int = 40,
        user_record_size: int = 72,
        clock: Callable[[], datetime] = datetime.now,
        *,
        platform: str = "ZMM220_TFT",
        firmware_version: str = "Ver 6.60 Apr 28 2017",
        device_name: str = "GymOS Simulator",
        user_capacity: int = 3000,
        record_capacity: int = 100_000,
        max_one_go_bytes: int = PYZK_TCP_MAX_CHUNK,
        fail_mode: str | None = None,
        fail_on: int | str = "attendance",
        fail_count: int | None = None,
        fail_after: int = 0,
        fail_delay: float = 2.0,
        idle_timeout: float = 120.0,
        on_command: Callable[[LoggedCommand], None] | None = None,
    ) -> None:
        super().__init__(
            serial_number=serial_number,
            users=users,
            attendance=attendance,
            record_size=record_size,
            user_record_size=user_record_size,
            clock=clock,
            platform=platform,
            firmware_version=firmware_version,
            device_name=device_name,
            user_capacity=user_capacity,
            record_capacity=record_capacity,
            ip_address=host,
        )
        self.host = host
        self.port = port
        self.comm_password = int(comm_password)
        # Buffered reads above this size are served in chunks (PREPARE_BUFFER
        # answered ACK_OK + size, then READ_BUFFER), below it in one DATA reply.
        self.max_one_go_bytes = max_one_go_bytes
        self.idle_timeout = idle_timeout
        self.on_command = on_command
        self._log: deque[LoggedCommand] = deque(maxlen=20_000)
        self._errors: deque[str] = deque(maxlen=200)
        self._connections = 0
        self._sessions = 0
        self._auth_failures = 0
        self._next_session = 0
        self._fault: Fault | None = None
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._live: dict[int, tuple[threading.Thread, socket.socket]] = {}
        if fail_mode:
            self.set_fault(fail_mode, on=fail_on, count=fail_count, after=fail_after, delay=fail_delay)

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> ZKSimulator:
        if self._listener is not None:
            raise RuntimeError("simulator already started")
        self._stopping.clear()
        self._listener = socket.create_server((self.host, self.port), backlog=32)
        self.port = self._listener.getsockname()[1]
        self._accept_thread = threading.Thread(target=self._accept_loop, name=f"zk-sim:{self.port}", daemon=True)
        self._accept_thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
            except OSError:
                pass
            listener.close()
        if self._accept_thread is not None:
            self._accept_thread.join(timeout)
            self._accept_thread = None
        with self._lock:
            live = list(self._live.values())
        for _thread, conn in live:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread, _conn in live:
            thread.join(timeout)

    def __enter__(self) -> ZKSimulator:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        listener = self._listener
        while listener is not None and not self._stopping.is_set():
            try:
                conn, _addr = listener.accept()
            except OSError:
                return  # listener shut down by stop()
            if self._stopping.is_set():
                conn.close()
                return
            with self._lock:
                self._connections += 1
                number = self._connections
            thread = threading.Thread(target=self._serve, args=(conn, number), name=f"zk-sim:{number}", daemon=True)
            with self._lock:
                self._live[number] = (thread, conn)
            thread.start()

    def _serve(self, conn: socket.socket, number: int) -> None:
        try:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.settimeout(self.idle_timeout)
            DeviceSession(self, conn, number).serve()
        except Exception as exc:  # one bad client never takes the device down
            self._record_error(f"connection {number}: {exc!r}")
        finally:
            conn.close()
            with self._lock:
                self._live.pop(number, None)

    # -- faults and inspection ---------------------------------------------------
    def set_fault(
        self, mode: str, *, on: int | str = "attendance", count: int | None = None, after: int = 0, delay: float = 2.0
    ) -> None:
        if mode not in FAULT_MODES:
            raise ValueError(f"fault mode is one of {FAULT_MODES}")
        if mode == "corrupt" and on != "attendance":
            raise ValueError('the "corrupt" fault applies to on="attendance" only')
        with self._lock:
            self._fault = Fault(mode, on, count, after, delay)

    def clear_fault(self) -> None:
        with self._lock:
            self._fault = None

    @property
    def commands(self) -> list[LoggedCommand]:
        with self._lock:
            return list(self._log)

    def command_names(self, connection: int | None = None) -> list[str]:
        return [c.name for c in self.commands if connection is None or c.connection == connection]

    @property
    def connection_count(self) -> int:
        """TCP connections accepted (pyzk opens a throwaway one before each session)."""
        return self._connections

    @property
    def session_count(self) -> int:
        """Sessions that got past CONNECT (and AUTH when a comm password is set)."""
        return self._sessions

    @property
    def auth_failures(self) -> int:
        return self._auth_failures

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._live)

    @property
    def errors(self) -> list[str]:
        with self._lock:
            return list(self._errors)

    # -- used by DeviceSession -------------------------------------------------
    def _log_command(self, connection: int, code: int, data: bytes) -> None:
        entry = LoggedCommand(connection, code, command_name(code), bytes(data[:64]))
        with self._lock:
            self._log.append(entry)
        if self.on_command is not None:
            try:
                self.on_command(entry)
            except Exception:  # a printing hook must not break the device
                logger.exception("on_command hook failed")

    def _record_error(self, message: str) -> None:
        logger.warning("zk simulator: %s", message)
        with self._lock:
            self._errors.append(message)

    def _new_session_id(self) -> int:
        with self._lock:
            self._next_session = self._next_session % 60000 + 1
            return 1000 + self._next_session

    def _session_opened(self) -> None:
        with self._lock:
            self._sessions += 1

    def _auth_failed(self) -> None:
        with self._lock:
            self._auth_failures += 1

    def _take_fault(self, labels: set) -> Fault | None:
        with self._lock:
            fault = self._fault
            if fault is None or fault.on not in labels:
                return None
            if fault.after > 0:
                fault.after -= 1
                return None
            if fault.count is not None:
                if fault.count <= 0:
                    return None
                fault.count -= 1
            return replace(fault)
