"""Repeat rules (RFC 5545 RRULE) expanded in the gym's local time.

Occurrences are expanded as naive local date-times and only then made aware
in settings.TIME_ZONE, so a class at 18:00 stays at 18:00 on the wall clock
across a daylight-saving change (its UTC time moves instead). A local time
that does not exist on the change day (skipped by the clocks going forward)
is read with the offset before the change, i.e. one hour later on the clock;
an ambiguous one (clocks going back) is the first of the two.

Accepted rules: one RRULE line (an optional "RRULE:" prefix is dropped),
FREQ DAILY, WEEKLY, MONTHLY or YEARLY; open-ended, or ending with COUNT or
UNTIL. UNTIL may be a date (that day is included), a local date-time, or a
UTC date-time ending in Z.
"""

import datetime
import re
import zoneinfo
from dataclasses import dataclass

from dateutil.rrule import rrule, rrulestr
from django.conf import settings
from django.core.exceptions import ValidationError

ALLOWED_FREQS = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
EXAMPLES = (
    "For example FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20260630 (every Monday, Wednesday and Friday "
    "until 30 June 2026) or FREQ=WEEKLY;BYDAY=TU;COUNT=10 (ten Tuesdays)."
)
_UNTIL_DATE = re.compile(r"^\d{8}$")
_UNTIL_LOCAL = re.compile(r"^\d{8}T\d{6}$")
_UNTIL_UTC = re.compile(r"^\d{8}T\d{6}Z$")
# A rule is expanded at most this far for one call (a daily rule for ~5 years).
MAX_OCCURRENCES = 2000


def gym_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def to_local_naive(value: datetime.datetime) -> datetime.datetime:
    return value.astimezone(gym_zone()).replace(tzinfo=None)


def to_aware(local: datetime.datetime) -> datetime.datetime:
    """A naive local wall-clock time in the gym's zone, as an aware datetime
    normalised through UTC (so a skipped time reads as the real clock time)."""
    zone = gym_zone()
    return local.replace(tzinfo=zone).astimezone(datetime.UTC).astimezone(zone)


@dataclass(frozen=True)
class Rule:
    text: str  # the normalised rule as stored
    rule: rrule


def _invalid(raw: str, detail: str) -> ValidationError:
    return ValidationError(f"“{raw}” is not a repeat rule we can use: {detail}. {EXAMPLES}")


def _normalise_until(raw: str, value: str) -> str:
    if _UNTIL_DATE.match(value):
        return f"{value}T235959"  # "until 30 June" includes the classes on 30 June
    if _UNTIL_LOCAL.match(value):
        return value
    if _UNTIL_UTC.match(value):
        utc = datetime.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
        return f"{to_local_naive(utc):%Y%m%dT%H%M%S}"
    raise _invalid(raw, f"UNTIL={value} is not a date (YYYYMMDD)")


def parse_rule(raw: str, *, starts_on: datetime.date, start_time: datetime.time) -> Rule:
    """Parse and check ``raw``; raises ValidationError with an example of a good rule."""
    text = (raw or "").strip()
    if "\n" in text or "\r" in text:
        raise _invalid(raw, "write a single RRULE line (DTSTART and EXDATE are not used)")
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    parts = {}
    for chunk in filter(None, text.upper().replace(" ", "").split(";")):
        key, sep, value = chunk.partition("=")
        if not sep or not value:
            raise _invalid(raw, f"“{chunk}” is not NAME=VALUE")
        if key in parts:
            raise _invalid(raw, f"{key} is given twice")
        parts[key] = value
    if not parts:
        raise _invalid(raw, "it is empty")
    freq = parts.get("FREQ")
    if freq is None:
        raise _invalid(raw, "it needs FREQ (DAILY, WEEKLY, MONTHLY or YEARLY)")
    if freq not in ALLOWED_FREQS:
        raise _invalid(raw, f"FREQ={freq} is not allowed; classes repeat DAILY, WEEKLY, MONTHLY or YEARLY")
    if "DTSTART" in parts:
        raise _invalid(raw, "leave out DTSTART; the first date and start time are set on the schedule")
    if "COUNT" in parts and "UNTIL" in parts:
        raise _invalid(raw, "use either COUNT or UNTIL, not both")
    if "UNTIL" in parts:
        parts["UNTIL"] = _normalise_until(raw, parts["UNTIL"])
    normalised = ";".join(f"{k}={v}" for k, v in parts.items())
    dtstart = datetime.datetime.combine(starts_on, start_time)
    try:
        rule = rrulestr(normalised, dtstart=dtstart)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise _invalid(raw, str(exc) or type(exc).__name__) from exc
    if rule.after(dtstart, inc=True) is None:
        raise _invalid(raw, f"it gives no dates on or after {starts_on:%d %b %Y}")
    return Rule(text=normalised, rule=rule)


def occurrences(
    *,
    starts_on: datetime.date,
    start_time: datetime.time,
    recurrence: str,
    after: datetime.datetime,
    before: datetime.datetime,
) -> list[datetime.datetime]:
    """Aware starts of a schedule's classes with ``after <= start < before``
    (``after``/``before`` aware). An empty ``recurrence`` is a one-off class."""
    first = datetime.datetime.combine(starts_on, start_time)
    if not recurrence:
        local = [first]
    else:
        rule = parse_rule(recurrence, starts_on=starts_on, start_time=start_time).rule
        # Widen the local window by a day each side: the DST offset can move
        # a boundary by an hour; the exact filter below is on aware times.
        low = to_local_naive(after) - datetime.timedelta(days=1)
        high = to_local_naive(before) + datetime.timedelta(days=1)
        local = []
        for value in rule.xafter(max(low, first), inc=True):
            if value >= high or len(local) >= MAX_OCCURRENCES:
                break
            local.append(value)
    return [start for start in map(to_aware, local) if after <= start < before]


def next_start(
    *, starts_on: datetime.date, start_time: datetime.time, recurrence: str, after: datetime.datetime
) -> datetime.datetime | None:
    """The first aware start later than ``after``, or None when the schedule has ended."""
    first = datetime.datetime.combine(starts_on, start_time)
    if not recurrence:
        start = to_aware(first)
        return start if start > after else None
    rule = parse_rule(recurrence, starts_on=starts_on, start_time=start_time).rule
    low = max(first, to_local_naive(after) - datetime.timedelta(days=1))
    for value in rule.xafter(low, count=MAX_OCCURRENCES, inc=True):
        start = to_aware(value)
        if start > after:
            return start
    return None


def preview(
    *, starts_on: datetime.date, start_time: datetime.time, recurrence: str, count: int = 10
) -> list[datetime.datetime]:
    """The first ``count`` aware starts of a (possibly unsaved) schedule: the
    schedule editor shows them before saving. Raises ValidationError for a bad rule."""
    first = datetime.datetime.combine(starts_on, start_time)
    if not recurrence:
        return [to_aware(first)]
    rule = parse_rule(recurrence, starts_on=starts_on, start_time=start_time).rule
    return [to_aware(value) for value in rule.xafter(first, count=count, inc=True)]
