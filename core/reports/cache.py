"""The cache of report figures for days before today.

Past days rarely change (a back-dated payment or a cancelled term does), so
the dashboard's charts and the reports' past months are kept for
settings.REPORTS_CHART_CACHE_SECONDS (0: never) under a key holding today's
date and the past-figures version; today's part, like every KPI card, is
counted afresh on each visit. A write that changes a past day moves the
version on (core.common.past_figures; receivers in core.reports.receivers),
so the cache time is only a safety net."""

import datetime

from django.conf import settings
from django.core.cache import cache

from core.common.past_figures import past_figures_version

DEFAULT_CHART_CACHE_SECONDS = 3600


def chart_cache_seconds() -> int:
    return getattr(settings, "REPORTS_CHART_CACHE_SECONDS", DEFAULT_CHART_CACHE_SECONDS)


def cached_history(name: str, today: datetime.date, compute):
    """``compute()``, kept until the cache time runs out, the day changes or a past figure changes."""
    seconds = chart_cache_seconds()
    if seconds <= 0:
        return compute()
    key = f"gymos:dashboard:{name}:{today.isoformat()}:v{past_figures_version()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value
