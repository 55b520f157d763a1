"""WhatsApp delivery reports onto outbox Messages.

A report moves a Message forward only (QUEUED → SENT → DELIVERED → READ, or
FAILED from QUEUED or SENT; ``whatsapp.webhook.next_status`` is the rule), so
duplicates and reports that arrive out of order change nothing. A report for
an id no Message carries yet is kept as a PendingStatus and applied when the
worker stores that id.

Both sides write first and look second: the webhook stores the pending report
and then looks for the message; the worker stores the id and then looks for
pending reports. Whichever commits last sees the other's row, so no report is
lost between the two, and applying twice is harmless (a row lock plus the
forward-only rule).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.notifications.models import Message, PendingStatus
from core.notifications.retries import retry_delay
from core.notifications.whatsapp.webhook import TIMESTAMP_FIELDS, next_status

logger = logging.getLogger(__name__)

APPLIED, UNCHANGED, BUFFERED = "applied", "unchanged", "buffered"
# Reports for ids that never turn up (sent from WhatsApp Manager by hand) are dropped after this.
PENDING_STATUS_TTL = timedelta(days=7)
_ORDER = {Message.Status.SENT: 1, Message.Status.DELIVERED: 2, Message.Status.READ: 3, Message.Status.FAILED: 4}


@dataclass(frozen=True)
class _Report:
    status: str
    timestamp: datetime
    error: str = ""
    retryable: bool = False


def message_status_apply(
    *, provider_id: str, status: str, timestamp: datetime, error: str | None = None, retryable: bool = False
) -> str:
    """Apply one WhatsApp status report (``status`` is a Message.Status value).

    Returns APPLIED (the message moved or gained a timestamp), UNCHANGED
    (a duplicate or a stale report) or BUFFERED (no message has this id yet).
    ``retryable`` (for FAILED) lets the retry sweep send the message again."""
    status = str(status).upper()
    if status not in _ORDER:
        raise ValueError(f"Unknown WhatsApp status {status!r}")
    report = _Report(status, timestamp, error or "", retryable)
    with transaction.atomic():
        message = _locked_message(provider_id)
        if message is not None:
            return APPLIED if _apply(message, [report]) else UNCHANGED
        PendingStatus.objects.bulk_create(
            [
                PendingStatus(
                    provider_id=provider_id,
                    status=status,
                    timestamp=timestamp,
                    error=report.error,
                    retryable=retryable,
                )
            ],
            ignore_conflicts=True,  # the same report twice is one row
        )
    # The worker may have stored the id while we wrote: look again, after commit.
    if message_statuses_apply_pending(provider_id=provider_id):
        return APPLIED
    logger.info("WhatsApp status %s for unknown message %s kept for later", status, provider_id)
    return BUFFERED


def message_statuses_apply_pending(*, provider_id: str) -> int:
    """Apply and remove the reports kept for ``provider_id``, once a message
    carries it. Returns how many reports were used (0 if none or no message)."""
    if not provider_id or not PendingStatus.objects.filter(provider_id=provider_id).exists():
        return 0
    with transaction.atomic():
        message = _locked_message(provider_id)
        if message is None:
            return 0
        pending = list(PendingStatus.objects.select_for_update().filter(provider_id=provider_id))
        reports = [_Report(p.status, p.timestamp, p.error, p.retryable) for p in pending]
        # Oldest step first, so each timestamp lands in its own field.
        _apply(message, sorted(reports, key=lambda r: (_ORDER[r.status], r.timestamp)))
        PendingStatus.objects.filter(pk__in=[p.pk for p in pending]).delete()
    return len(pending)


def pending_statuses_purge(*, older_than: timedelta = PENDING_STATUS_TTL) -> int:
    """Drop reports kept longer than ``older_than`` (their message never appeared)."""
    deleted, _ = PendingStatus.objects.filter(received_at__lt=timezone.now() - older_than).delete()
    return deleted


def _locked_message(provider_id: str) -> Message | None:
    if not provider_id:
        return None
    return (
        Message.objects.select_for_update()
        .filter(channel=Message.Channel.WHATSAPP, provider_id=provider_id)
        .order_by("pk")
        .first()
    )


def _apply(message: Message, reports: list[_Report]) -> bool:
    """Move ``message`` (locked) through ``reports``; save what changed. True if anything did."""
    changed: set[str] = set()
    for report in reports:
        new = next_status(message.status, report.status)
        if new is not None:
            message.status = new
            changed.add("status")
            if new == Message.Status.FAILED:
                _fail(message, report, changed)
        elif report.status == Message.Status.FAILED or message.status == Message.Status.FAILED:
            continue
        # A step passed on the way (read before delivered) keeps its own time when its report comes.
        field = TIMESTAMP_FIELDS[report.status]
        if report.status != Message.Status.FAILED and getattr(message, field) is None:
            setattr(message, field, report.timestamp)
            changed.add(field)
    if changed:
        message.save(update_fields=[*sorted(changed), "updated_at"])
    return bool(changed)


def _fail(message: Message, report: _Report, changed: set[str]) -> None:
    message.failed_at = report.timestamp
    message.last_error = (report.error or "WhatsApp reported the message as failed without a reason.")[:2000]
    message.retryable = report.retryable and message.attempts < settings.OUTBOX_MAX_ATTEMPTS
    message.next_attempt_at = timezone.now() + retry_delay(message.attempts) if message.retryable else None
    changed.update({"failed_at", "last_error", "retryable", "next_attempt_at"})
