"""Deterministic demo content for the simulated device: users 1..N and punches
spread over the last days during opening hours."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from .records import AttendanceRecord, UserRecord

OPENS_AT = 6  # gym hours for demo punches: 06:00-22:00
OPEN_SECONDS = 16 * 3600


def demo_users(count: int) -> list[UserRecord]:
    """Users with uid = user_id = 1..count (user_id is what GymOS stores as biometric_id)."""
    return [UserRecord(uid=i, user_id=str(i), name=f"Member {i}") for i in range(1, count + 1)]


def demo_punches(
    count: int, user_ids: Sequence[str], *, end: datetime, days: int = 7, seed: int = 8
) -> list[AttendanceRecord]:
    """`count` punches by random users over the `days` days up to `end`
    (device-local), oldest first, every timestamp distinct so none collapse
    under the (device, user, time) unique key."""
    if count and not user_ids:
        raise ValueError("punches need at least one user")
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    today = end.replace(hour=0, minute=0, second=0, microsecond=0)
    # Open seconds already gone today, so no punch lies in the future.
    today_open = min(max(int((end - today).total_seconds()) - OPENS_AT * 3600, 0), OPEN_SECONDS)
    days = max(days, 1)
    while (days - 1) * OPEN_SECONDS + today_open < count:  # one distinct second per punch
        days += 1
    window = (days - 1) * OPEN_SECONDS + today_open
    first_day = today - timedelta(days=days - 1)
    punches = []
    for i in range(count):
        day, second = divmod(i * window // count, OPEN_SECONDS)
        when = first_day + timedelta(days=day, hours=OPENS_AT, seconds=second)
        punches.append(AttendanceRecord(rng.choice(user_ids), when, status=1, punch=rng.choice((0, 0, 0, 1))))
    return punches
