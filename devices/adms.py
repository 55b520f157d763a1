"""ZKTeco ADMS ("push") wire format: the handshake a device asks for, the
ATTLOG lines it posts, and the command results it reports. Pure parsing, no
database; the views in views.py do the rest (PROTOCOLS.md, "ADMS push").

Firmware varies: lines end in LF or CRLF, newer firmware adds fields after the
workcode, some separate fields with spaces instead of tabs. A line that is
not a punch is counted and reported, never allowed to spoil the others.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from devices.ingest import RawPunch

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_PIN_LENGTH = 24
PIN_RE = re.compile(r"^[0-9A-Za-z_.-]{1,24}$")
SMALLINT = range(-32768, 32768)


@dataclass
class AttlogParse:
    punches: list[RawPunch] = field(default_factory=list)
    bad_lines: int = 0
    samples: list[str] = field(default_factory=list)  # the first few bad lines, shortened, for the log

    def bad(self, line: str) -> None:
        self.bad_lines += 1
        if len(self.samples) < 5:
            self.samples.append(line[:80])


def _small_int(text: str, default: int | None) -> int | None:
    try:
        value = int(text.strip())
    except ValueError:
        return default
    return value if value in SMALLINT else default


def _fields(line: str) -> list[str]:
    if "\t" in line:
        return line.split("\t")
    # "PIN YYYY-MM-DD HH:MM:SS status verify ..." with spaces: put the date and time back together.
    parts = line.split()
    if len(parts) >= 3:
        return [parts[0], f"{parts[1]} {parts[2]}", *parts[3:]]
    return parts


def parse_attlog(body: bytes) -> AttlogParse:
    """Punches of an ATTLOG body: PIN, time (device-local), status, verify, workcode, anything else ignored."""
    result = AttlogParse()
    text = body.decode("utf-8", errors="replace")
    for raw_line in text.split("\n"):
        line = raw_line.strip("\r\x00 ")
        if not line:
            continue
        fields = _fields(line)
        if len(fields) < 2:
            result.bad(line)
            continue
        pin = fields[0].strip()
        if not PIN_RE.match(pin):
            result.bad(line)
            continue
        try:
            when = datetime.datetime.strptime(fields[1].strip(), TIME_FORMAT)
        except ValueError:
            result.bad(line)
            continue
        result.punches.append(
            RawPunch(
                user_id=pin,
                local_time=when,
                status=_small_int(fields[2], 0) if len(fields) > 2 else 0,
                verify=_small_int(fields[3], None) if len(fields) > 3 else None,
                workcode=fields[4].strip()[:16] if len(fields) > 4 else "",
            )
        )
    return result


def count_lines(body: bytes) -> int:
    return sum(1 for line in body.decode("utf-8", errors="replace").split("\n") if line.strip("\r\x00 "))


def handshake(serial: str, *, attlog_stamp: str = "", timezone_hours: float = 0) -> str:
    """The options a device asks for with GET /iclock/cdata?SN=...&options=all."""
    tz = int(timezone_hours) if float(timezone_hours).is_integer() else timezone_hours
    lines = [
        f"GET OPTION FROM: {serial}",
        f"ATTLOGStamp={attlog_stamp or 'None'}",
        "OPERLOGStamp=9999",
        "ATTPHOTOStamp=None",
        "ErrorDelay=30",
        "Delay=10",
        "TransTimes=00:00;14:05",
        "TransInterval=1",
        "TransFlag=1111000000",
        f"TimeZone={tz}",
        "Realtime=1",
        "Encrypt=None",
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class CommandReply:
    command_id: int
    return_code: int
    cmd: str = ""


def parse_command_replies(body: bytes) -> list[CommandReply]:
    """Results posted to /iclock/devicecmd: one ``ID=12&Return=0&CMD=DATA`` per line."""
    replies = []
    for line in body.decode("utf-8", errors="replace").splitlines():
        values = dict(parse_qsl(line.strip(), keep_blank_values=True))
        try:
            replies.append(CommandReply(int(values["ID"]), int(values.get("Return", "0")), values.get("CMD", "")))
        except (KeyError, ValueError):
            continue
    return replies


def clean_text(value: str, size: int = MAX_PIN_LENGTH) -> str:
    """A value safe inside a tab-separated command line."""
    return re.sub(r"[\t\r\n=]", " ", value or "").strip()[:size]
