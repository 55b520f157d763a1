"""bKash's IPN (instant payment notification), delivered by AWS SNS.

Receive: verify the SNS signature, store a WebhookEvent (unique per source and
MessageId, so a replay adds nothing), queue processing after commit, answer.
Process (a job): idempotent, counts attempts, keeps the last error; a failed
attempt is retried by the sweep with growing gaps (1, 3, 7, 15... minutes after
receipt). A Completed IPN is never trusted alone: bKash is asked about our
checkouts for that invoice and the one carrying the trxID is recorded.

``fetch_certificate`` and ``confirm_subscription`` are module-level on purpose:
tests replace them (monkeypatch) with a local key and a no-op.
"""

import datetime
import json
import logging
from urllib.parse import urlsplit
from urllib.request import urlopen

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.billing.gateways.bkash import BkashError
from core.billing.gateways.sns import CERT_HOST, SnsVerificationError, fetch_certificate_https, verify_sns_message
from core.billing.models import Invoice, Payment, WebhookEvent
from core.billing.services.bkash_settle import PENDING_PREFIX, bkash_checkout_apply
from core.billing.services.online import bkash_client
from core.common.queue import enqueue

logger = logging.getLogger(__name__)

SOURCE = "bkash"
PROCESS_TASK = "jobs.tasks.billing.process_webhook_event_task"
MAX_BODY_BYTES = 64 * 1024
MAX_ATTEMPTS = 10
RETRY_BASE = datetime.timedelta(minutes=1)
MAX_CANDIDATES = 10


class WebhookRejected(Exception):
    """Not stored: answer ``status`` (400 unreadable, 403 not genuine, 503 not checkable now)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class CertificateUnavailable(Exception):
    """AWS's signing certificate could not be fetched (network down, AWS slow)."""


def fetch_certificate(url: str) -> bytes:
    try:
        return fetch_certificate_https(url)
    except OSError as exc:  # URLError, timeouts, refused connections
        raise CertificateUnavailable(f"The SNS signing certificate could not be fetched: {exc}") from exc


def confirm_subscription(url: str) -> None:
    """Visiting SubscribeURL is how SNS subscriptions are confirmed."""
    with urlopen(_check_sns_url(url), timeout=10) as response:  # noqa: S310 - https on AWS SNS checked
        response.read(64 * 1024)


def _check_sns_url(url: str) -> str:
    parts = urlsplit(url or "")
    if parts.scheme != "https" or not CERT_HOST.match(parts.hostname or "") or parts.port not in (None, 443):
        raise ValueError(f"SubscribeURL is not an AWS SNS address: {parts.hostname}")
    return url


# --- receive ----------------------------------------------------------------------


def webhook_receive_bkash(*, body: bytes) -> tuple[WebhookEvent, bool]:
    """Verify and store one SNS delivery; returns (event, created). Raises WebhookRejected."""
    if len(body) > MAX_BODY_BYTES:
        raise WebhookRejected(413, "Too large.")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise WebhookRejected(400, "The body is not JSON.") from exc
    try:
        message = verify_sns_message(data, fetch_certificate=fetch_certificate)
    except SnsVerificationError as exc:
        logger.warning("bKash webhook refused: %s", exc)
        raise WebhookRejected(403, str(exc)) from exc
    except CertificateUnavailable as exc:
        # Not verifiable now, not proven false: 503 makes SNS deliver it again later.
        logger.warning("bKash webhook not verified yet: %s", exc)
        raise WebhookRejected(503, "The signature cannot be checked right now; try again later.") from exc
    allowed = getattr(settings, "BKASH_IPN_TOPIC_ARNS", [])
    if allowed and message.topic_arn not in allowed:
        # SNS signs for every topic on AWS: only bKash's topic may talk to us.
        logger.warning("bKash webhook from an unexpected SNS topic %s refused", message.topic_arn)
        raise WebhookRejected(403, "Unexpected SNS topic.")
    with transaction.atomic():
        try:
            with transaction.atomic():
                event = WebhookEvent.objects.create(source=SOURCE, event_id=message.message_id, payload=data)
        except IntegrityError:
            return WebhookEvent.objects.get(source=SOURCE, event_id=message.message_id), False
        enqueue(PROCESS_TASK, event.pk)
    return event, True


# --- process ----------------------------------------------------------------------


def webhook_event_process(*, event_id: int) -> WebhookEvent | None:
    """Process a stored event (``event_id`` is the WebhookEvent's primary key).
    Safe to run any number of times; bKash is called with no transaction open."""
    claimed = WebhookEvent.objects.filter(pk=event_id, processed_at__isnull=True).update(attempts=F("attempts") + 1)
    event = WebhookEvent.objects.filter(pk=event_id).first()
    if not claimed or event is None:
        return event  # already processed (a replayed task) or gone
    try:
        note = _handle(event.payload)
    except Exception as exc:  # bKash, network or a bug: keep it for the sweep to retry
        error = f"{type(exc).__name__}: {exc}"
        if event.attempts >= MAX_ATTEMPTS:
            error = f"Gave up after {event.attempts} attempts. {error}"
        WebhookEvent.objects.filter(pk=event.pk).update(last_error=error[:2000])
        logger.warning("bKash webhook event %s attempt %s failed: %s", event.pk, event.attempts, error)
    else:
        WebhookEvent.objects.filter(pk=event.pk).update(processed_at=timezone.now(), last_error=note[:2000])
    event.refresh_from_db()
    return event


def _handle(body: dict) -> str:
    """Do what the event asks; returns a note for staff ("" when all is well)."""
    kind = body.get("Type")
    if kind == "SubscriptionConfirmation":
        url = str(body.get("SubscribeURL", ""))
        logger.info("Confirming bKash's SNS subscription for topic %s", body.get("TopicArn"))
        confirm_subscription(url)
        return ""
    if kind != "Notification":
        logger.warning("bKash SNS sent %s for topic %s", kind, body.get("TopicArn"))
        return f"Nothing to do for an SNS {kind}."
    try:
        ipn = json.loads(body.get("Message") or "")
    except ValueError:
        ipn = None
    if not isinstance(ipn, dict):
        return "Ignored: the IPN message is not a JSON object."
    status, trx_id = str(ipn.get("transactionStatus", "")), str(ipn.get("trxID") or "")
    if status != "Completed" or not trx_id:
        return ""  # only a completed payment needs us; other states change nothing here
    if Payment.objects.filter(method=Payment.Method.BKASH, reference=trx_id, amount__gt=0).exists():
        return ""  # the callback (or an earlier copy of this IPN) recorded it
    number = str(ipn.get("merchantInvoiceNumber", ""))
    invoice = Invoice.objects.filter(number=number).first()
    if invoice is None:
        return f"bKash reports trxID {trx_id} for “{number}”, which is not one of our invoices."
    return _settle_from_ipn(invoice, trx_id)


def _settle_from_ipn(invoice: Invoice, trx_id: str) -> str:
    """Find our checkout that bKash completed as ``trx_id``, confirming with bKash first."""
    client = bkash_client()
    candidates = (
        invoice.bkash_checkouts.filter(payment__isnull=True)
        .exclude(bkash_payment_id__startswith=PENDING_PREFIX)
        .select_related("invoice")
        .order_by("-created_at")[:MAX_CANDIDATES]
    )
    for checkout in candidates:
        if checkout.trx_id == trx_id:
            return checkout.last_error  # settled before, flagged for staff
        result = client.query_payment(checkout.bkash_payment_id)
        if result.is_completed and result.trx_id == trx_id:
            checkout = bkash_checkout_apply(checkout=checkout, result=result)
            return "" if checkout.payment_id else checkout.last_error
    try:
        found = client.search_transaction(trx_id)
    except BkashError as exc:
        if exc.code != "2033":
            raise
        return f"bKash knows no transaction {trx_id}; the IPN for {invoice.number} was ignored."
    return (
        f"bKash reports trxID {trx_id} ({found.transaction_status}, {found.amount}) for {invoice.number}, "
        "but none of our bKash checkouts matches it: check it and record it by hand."
    )


# --- retry sweep ------------------------------------------------------------------


def retry_offset(attempts: int) -> datetime.timedelta:
    """When attempt ``attempts + 1`` is due, counted from receipt: 0, 1, 3, 7, 15... minutes."""
    return RETRY_BASE * (2**attempts - 1)


def webhook_events_retry_due(*, now: datetime.datetime | None = None) -> int:
    """Queue unprocessed events whose next attempt is due (and any whose first queueing was lost)."""
    now = now or timezone.now()
    waiting = WebhookEvent.objects.filter(
        source=SOURCE, processed_at__isnull=True, attempts__lt=MAX_ATTEMPTS, received_at__lte=now - RETRY_BASE
    ).order_by("received_at")[:500]
    due = [event.pk for event in waiting if now >= event.received_at + max(retry_offset(event.attempts), RETRY_BASE)]
    with transaction.atomic():
        for pk in due:
            enqueue(PROCESS_TASK, pk)
    return len(due)
