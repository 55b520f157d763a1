"""ZKTeco TCP protocol as pyzk 0.9 speaks it: command codes, framing, checksum,
the device clock encoding and the comm-key scramble.

Plain Python (no Django) so the simulator and the future poller share it.
Facts and their sources: ../shared/PROTOCOLS.md ("ZKTeco over TCP").
"""

from __future__ import annotations

import struct
from datetime import datetime

# TCP frame top: magic words, then the length of the body that follows.
MAGIC_1 = 0x5050
MAGIC_2 = 0x7D82
TOP = struct.Struct("<HHI")
HEADER = struct.Struct("<4H")  # command, checksum, session_id, reply_id
TOP_SIZE = TOP.size  # 8
HEADER_SIZE = HEADER.size  # 8
USHRT_MAX = 65535

# Requests (client -> device).
CMD_DB_RRQ = 7
CMD_USER_WRQ = 8
CMD_USERTEMP_RRQ = 9
CMD_OPTIONS_RRQ = 11
CMD_OPTIONS_WRQ = 12
CMD_ATTLOG_RRQ = 13
CMD_CLEAR_DATA = 14
CMD_CLEAR_ATTLOG = 15
CMD_DELETE_USER = 18
CMD_UNLOCK = 31
CMD_GET_FREE_SIZES = 50
CMD_CANCELCAPTURE = 62
CMD_GET_PINWIDTH = 69
CMD_GET_TIME = 201
CMD_SET_TIME = 202
CMD_REG_EVENT = 500
CMD_CONNECT = 1000
CMD_EXIT = 1001
CMD_ENABLEDEVICE = 1002
CMD_DISABLEDEVICE = 1003
CMD_RESTART = 1004
CMD_POWEROFF = 1005
CMD_REFRESHDATA = 1013
CMD_REFRESHOPTION = 1014
CMD_TESTVOICE = 1017
CMD_GET_VERSION = 1100
CMD_AUTH = 1102
CMD_PREPARE_DATA = 1500
CMD_DATA = 1501
CMD_FREE_DATA = 1502
CMD_PREPARE_BUFFER = 1503
CMD_READ_BUFFER = 1504

# Replies (device -> client). pyzk treats ACK_OK, PREPARE_DATA and DATA as success.
CMD_ACK_OK = 2000
CMD_ACK_ERROR = 2001
CMD_ACK_DATA = 2002
CMD_ACK_UNAUTH = 2005
CMD_ACK_UNKNOWN = 0xFFFF

# Function codes carried in PREPARE_BUFFER requests.
FCT_ATTLOG = 1
FCT_FINGERTMP = 2
FCT_USER = 5

USER_DEFAULT = 0
USER_ADMIN = 14

COMMAND_NAMES = {
    value: name[4:] for name, value in globals().items() if name.startswith("CMD_") and isinstance(value, int)
}

# pyzk reads a buffered log in chunks of at most this many bytes over TCP.
PYZK_TCP_MAX_CHUNK = 0xFFC0


def command_name(code: int) -> str:
    return COMMAND_NAMES.get(code, f"UNKNOWN_{code}")


def checksum(packet: bytes) -> int:
    """pyzk's checksum (zkemsdk.c): 16-bit little-endian words summed with an
    end-around fold at 65535, then complemented.

    Since 65536 = 1 (mod 65535), the word sum is congruent to the whole packet
    read as one little-endian integer, which is fast even for 64 KiB chunks.
    """
    total = int.from_bytes(packet, "little")
    # A non-zero sum never folds to 0: pyzk's loop stops at 65535.
    folded = (total % USHRT_MAX or USHRT_MAX) if total else 0
    return USHRT_MAX - 1 - folded if folded < USHRT_MAX else USHRT_MAX - 1


def make_packet(command: int, session_id: int, reply_id: int, data: bytes = b"") -> bytes:
    """Header with its checksum, then data (no TCP top)."""
    chk = checksum(HEADER.pack(command, 0, session_id, reply_id) + data)
    return HEADER.pack(command, chk, session_id, reply_id) + data


def make_frame(command: int, session_id: int, reply_id: int, data: bytes = b"") -> bytes:
    """A complete TCP frame: top (magic, length) + header + data."""
    packet = make_packet(command, session_id, reply_id, data)
    return TOP.pack(MAGIC_1, MAGIC_2, len(packet)) + packet


def parse_top(top: bytes) -> int | None:
    """Body length announced by an 8-byte frame top, or None if the magic is wrong."""
    magic_1, magic_2, length = TOP.unpack(top)
    if magic_1 != MAGIC_1 or magic_2 != MAGIC_2:
        return None
    return length


def encode_time(when: datetime) -> int:
    """Device clock value: months count as 31 days, years from 2000, device-local
    wall time (a tz-aware value is taken at its own wall-clock fields)."""
    year = when.year - 2000
    if not 0 <= year <= 135:
        raise ValueError(f"the device clock cannot hold the year {when.year}")
    days = year * 12 * 31 + (when.month - 1) * 31 + when.day - 1
    return days * 86400 + (when.hour * 60 + when.minute) * 60 + when.second


def decode_time(value: int) -> datetime:
    """Inverse of encode_time (naive device-local datetime); ValueError for an
    impossible date such as 31 February."""
    value, second = divmod(value, 60)
    value, minute = divmod(value, 60)
    value, hour = divmod(value, 24)
    value, day = divmod(value, 31)
    year, month = divmod(value, 12)
    return datetime(year + 2000, month + 1, day + 1, hour, minute, second)


def make_commkey(key: int, session_id: int, ticks: int = 50) -> bytes:
    """The AUTH payload for a comm password (commpro.c MakeKey, as in pyzk)."""
    key = int(key)
    k = 0
    for i in range(32):
        k = (k << 1 | 1) if key & (1 << i) else k << 1
    k = (k + int(session_id)) & 0xFFFFFFFF
    b = struct.pack("<I", k)
    b = bytes((b[0] ^ ord("Z"), b[1] ^ ord("K"), b[2] ^ ord("S"), b[3] ^ ord("O")))
    low, high = struct.unpack("<HH", b)
    b = struct.pack("<HH", high, low)
    tick = ticks & 0xFF
    return bytes((b[0] ^ tick, b[1] ^ tick, tick, b[3] ^ tick))
