"""pyzk 0.9's client, made safe to leave running unattended.

pyzk spins forever when a device closes the connection in the middle of a
data reply (its receive loop treats recv() == b"" as "keep reading", and its
timeout does not help); the simulator's "hangup" fault reproduces it. The
guard raises instead, and also gives up on a reply that trickles in past a
deadline. It can also write a user's privilege byte as is (pyzk's set_user
drops the "disabled" bit).
"""

from __future__ import annotations

import struct
import time

from zk import ZK, const
from zk.exception import ZKErrorResponse

PRIVILEGE_DISABLED = 1  # bit 0 ("E0") of the user's privilege byte: 1 = the device refuses the user
PRIVILEGE_LEVEL_MASK = 0b1110  # 0 user, 2 enroller, 6 admin, 14 super admin


class GuardedZK(ZK):
    """pyzk's client with a receive loop that cannot hang."""

    deadline: float | None = None  # time.monotonic() after which a data reply is abandoned

    def _ZK__recieve_raw_data(self, size):  # overrides pyzk's private (name-mangled) method
        data = []
        while size > 0:
            if self.deadline is not None and time.monotonic() > self.deadline:
                raise ConnectionError("the device took too long to send its data")
            chunk = self._ZK__sock.recv(size)
            if not chunk:
                raise ConnectionError("device closed the connection mid-frame")
            data.append(chunk)
            size -= len(chunk)
        return b"".join(data)

    def set_user_record(
        self, *, uid: int, name: str, privilege: int, password: str, group_id: str, user_id: str, card: int
    ):
        """pyzk's set_user, but keeping the privilege byte as given: set_user
        turns anything but 0 and 14 into 0, which would drop the disabled bit."""
        enc = self.encoding
        if self.user_packet_size == 28:
            payload = struct.pack(
                "<HB5s8sIxBHI",
                uid,
                privilege,
                password.encode(enc, errors="ignore"),
                name.encode(enc, errors="ignore"),
                int(card),
                int(group_id or 0),
                0,
                int(user_id),
            )
        else:
            payload = struct.pack(
                "<HB8s24s4sx7sx24s",
                uid,
                privilege,
                password.encode(enc, errors="ignore"),
                name.encode(enc, errors="ignore").ljust(24, b"\x00")[:24],
                struct.pack("<I", int(card)),
                str(group_id).encode(enc, errors="ignore"),
                str(user_id).encode(enc, errors="ignore"),
            )
        reply = self._ZK__send_command(const.CMD_USER_WRQ, payload, 1024)
        if not reply.get("status"):
            raise ZKErrorResponse("Can't set user")
        self.refresh_data()

    def close_socket(self) -> None:
        sock = getattr(self, "_ZK__sock", None)
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass
        self.is_connect = False
