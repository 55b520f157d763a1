"""Per-address limit on public applications, kept in Django's cache (no
third-party service): at most ``LEAD_RATE_LIMIT`` accepted submissions per
``LEAD_RATE_LIMIT_WINDOW`` seconds from one address.

The address is ``REMOTE_ADDR``, or behind the gym's own proxies the address they
saw (``TRUSTED_PROXY_COUNT``, core/common/client_ip.py): never an entry the client
could write, so a flood cannot pick a fresh "address" per request. Without that
setting behind a proxy, every applicant shares the proxy's allowance.

The counter lives in the default cache. The built-in local-memory cache is
per process: with several web processes, each keeps its own count (the limit
is then per process); configure a shared cache (Redis, database) to make it
exact. The window is fixed, starting at an address's first submission.
"""

from django.conf import settings
from django.core.cache import cache


def _key(address: str) -> str:
    return f"leads:apply:{address or 'unknown'}"


def apply_limit_reached(address: str) -> bool:
    """True when this address used up its allowance (checked before any work is done)."""
    return (cache.get(_key(address)) or 0) >= settings.LEAD_RATE_LIMIT


def apply_count_hit(address: str) -> bool:
    """Count one accepted submission; False when it goes over the limit (then
    refuse it). The increment is atomic, so concurrent posts cannot all slip in."""
    key = _key(address)
    cache.add(key, 0, timeout=settings.LEAD_RATE_LIMIT_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=settings.LEAD_RATE_LIMIT_WINDOW)
        count = 1
    return count <= settings.LEAD_RATE_LIMIT
