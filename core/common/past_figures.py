"""Telling the report cache that figures about days before today changed.

The dashboard's charts and the reports' past months are cached
(core.reports.cache) because past days rarely change. When one does (a
payment back-dated to yesterday, a door device handing in last week's punches
late, a term of last month cancelled), the writer calls one of these and the
cached past figures are recomputed on the next visit.

They are kept under a version number, and a change moves the number on rather
than deleting the entries: the cache backends (LocMem, Redis through Django)
cannot list or delete keys by pattern, and a number costs one ``incr`` however
many charts, reports and days are cached. Entries under an old number are left
to expire. Writes about today (the bulk of payments and check-ins) leave the
number alone: today's part of every chart is counted afresh anyway."""

import datetime
import time

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

VERSION_KEY = "gymos:past-figures:version"


def _fresh_version() -> int:
    # Not 0: if the key is evicted, entries cached under an earlier number must not match again.
    return time.time_ns()


def past_figures_version() -> int:
    """The number the cached past figures are kept under; it moves on when one of them changes."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, _fresh_version(), timeout=None)
        version = cache.get(VERSION_KEY, 0)
    return version


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no number yet (or evicted): LocMem and Redis refuse to incr a missing key
        if not cache.add(VERSION_KEY, _fresh_version(), timeout=None):
            cache.incr(VERSION_KEY)  # another process set one meanwhile


def _bump_after_commit() -> None:
    # After the commit, so a reader cannot recompute from the old rows and cache them under the new
    # number (a rolled-back write bumps nothing). Robust: a cache outage must not fail a committed write.
    transaction.on_commit(_bump, robust=True)


def past_figures_changed(*, on: datetime.date | datetime.datetime) -> None:
    """A payment, check-in or the like dated ``on`` (a local date or an aware datetime) was
    written or removed: cached figures change if ``on`` is before today (gym time)."""
    today = timezone.localdate()
    day = timezone.localdate(on) if isinstance(on, datetime.datetime) else on
    if day < today:
        _bump_after_commit()


def plan_figures_changed() -> None:
    """A plan was changed: its interval prices every term of it, past months' MRR included. Plans
    change rarely and a save does not say which field changed, so every plan change counts."""
    _bump_after_commit()


def term_figures_changed(*, starts_on: datetime.date) -> None:
    """A membership term starting on ``starts_on`` was sold, changed or removed. Month figures
    (active members at each month end, the movement report) are cached for the months before this
    one, so a term starting by the 1st of this month may change them: one that started earlier
    covers those months (cancelled, it no longer counts), and one starting on the 1st decides
    whether the term before it lapsed at the end of last month. A later start changes none."""
    if starts_on <= timezone.localdate().replace(day=1):
        _bump_after_commit()
