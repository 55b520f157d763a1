"""How long the outbox waits: the lease a sending worker holds and the backoff
between attempts. Shared by the sender (services) and the status reports."""

from datetime import timedelta

from django.conf import settings


def send_lease() -> timedelta:
    """How long a worker may hold a message while sending before another may retry it."""
    return timedelta(seconds=settings.OUTBOX_SEND_LEASE_SECONDS)


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the n-th failed attempt: 1, 4, 16, 64 minutes."""
    return timedelta(minutes=4 ** max(attempts - 1, 0))
