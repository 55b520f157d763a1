"""The cache of report figures for days before today.

Past days rarely change (a back-dated payment or a cancelled term does), so
the dashboard's charts and the reports' past months are kept for
settings.REPORTS_CHART_CACHE_SECONDS (0: never) under a key holding today's
date; today's part, like every KPI card, is counted afresh on each visit."""

import datetime

from django.conf import settings
from django.core.cache import cache

DEFAULT_CHART_CACHE_SECONDS = 3600


def chart_cache_seconds() -> int:
    return getattr(settings, "REPORTS_CHART_CACHE_SECONDS", DEFAULT_CHART_CACHE_SECONDS)


def cached_history(name: str, today: datetime.date, compute):
    """``compute()``, kept until the cache time runs out or the day changes."""
    seconds = chart_cache_seconds()
    if seconds <= 0:
        return compute()
    key = f"gymos:dashboard:{name}:{today.isoformat()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value
