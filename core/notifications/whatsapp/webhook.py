"""WhatsApp webhooks: signature and subscription checks, status parsing, and
the status rule (never backwards).

Pure functions, no database: the view checks the signature on the raw body
before parsing anything, parses the statuses, and for each event asks
``next_status`` whether the stored Message moves.

Statuses are the values of ``Message.Status`` (plain strings here so this
module stays usable without the models).
"""

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.exceptions import ValidationError

from core.notifications.whatsapp.client import describe_error
from core.notifications.whatsapp.phone import e164_from_wa_id

logger = logging.getLogger(__name__)

QUEUED, SENT, DELIVERED, READ, FAILED = "QUEUED", "SENT", "DELIVERED", "READ", "FAILED"
# The forward path; FAILED is a side exit from QUEUED or SENT only.
_RANK = {QUEUED: 0, SENT: 1, DELIVERED: 2, READ: 3}
_ALL = {*_RANK, FAILED}
_FROM_META = {"sent": SENT, "delivered": DELIVERED, "read": READ, "failed": FAILED}
# Which Message timestamp records each status.
TIMESTAMP_FIELDS = {SENT: "sent_at", DELIVERED: "delivered_at", READ: "read_at", FAILED: "failed_at"}

SIGNATURE_HEADER = "X-Hub-Signature-256"
_SIGNATURE = re.compile(r"^sha256=([0-9a-f]{64})$", re.IGNORECASE)
# Meta's challenge is a number; anything else is not echoed back.
_CHALLENGE = re.compile(r"^[A-Za-z0-9_.\-]{1,256}$")


class WebhookError(Exception):
    """A webhook request to refuse; ``status_code`` is the HTTP answer."""

    status_code = 400


class SignatureMissing(WebhookError):
    status_code = 401


class SignatureInvalid(WebhookError):
    status_code = 403


class SubscriptionRefused(WebhookError):
    status_code = 403


class MalformedPayload(WebhookError):
    status_code = 400


def sign(raw_body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends for this exact body."""
    return "sha256=" + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify_signature(raw_body: bytes, header: str | None, app_secret: str) -> None:
    """Raise SignatureMissing (answer 401) or SignatureInvalid (answer 403)
    unless ``header`` is the HMAC-SHA256 of the raw body with the app secret.
    Call it before parsing the body."""
    if header is None or not header.strip():
        raise SignatureMissing(f"The {SIGNATURE_HEADER} header is missing.")
    if not app_secret:
        # With an empty key anyone could sign: refuse everything until it is set.
        raise SignatureInvalid("WHATSAPP_APP_SECRET is not set, so no webhook can be trusted.")
    match = _SIGNATURE.match(header.strip())
    if match is None:
        raise SignatureInvalid(f"The {SIGNATURE_HEADER} header is not of the form sha256=<hex>.")
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match.group(1).lower()):
        raise SignatureInvalid(f"The {SIGNATURE_HEADER} signature does not match the body.")


def verify_subscription(params: Mapping, verify_token: str) -> str:
    """Meta's subscription check (GET with hub.mode, hub.verify_token,
    hub.challenge): return the challenge to answer with, or raise
    SubscriptionRefused (answer 403)."""
    if not verify_token:
        raise SubscriptionRefused("WHATSAPP_VERIFY_TOKEN is not set.")
    if params.get("hub.mode") != "subscribe":
        raise SubscriptionRefused("hub.mode must be “subscribe”.")
    given = params.get("hub.verify_token") or ""
    if not hmac.compare_digest(given.encode(), verify_token.encode()):
        raise SubscriptionRefused("hub.verify_token does not match WHATSAPP_VERIFY_TOKEN.")
    challenge = params.get("hub.challenge") or ""
    if not _CHALLENGE.match(challenge):
        raise SubscriptionRefused("hub.challenge is missing or not a plain token.")
    return challenge


def load_payload(raw_body: bytes) -> dict:
    """The JSON object of a (signature-checked) body; MalformedPayload (400) otherwise."""
    try:
        payload = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        raise MalformedPayload("The webhook body is not JSON.") from None
    if not isinstance(payload, dict):
        raise MalformedPayload("The webhook body is not a JSON object.")
    return payload


@dataclass(frozen=True)
class StatusEvent:
    provider_id: str  # the wamid the send returned
    status: str  # SENT, DELIVERED, READ or FAILED
    timestamp: datetime  # aware, UTC
    recipient: str  # E.164 when WhatsApp gave a valid id, else as given ("" if none)
    error: str | None = None  # why it failed, for Message.last_error
    error_code: int | None = None
    retryable: bool = False  # for FAILED: could sending again later succeed?


class ParsedStatuses(list):
    """A list of StatusEvent; ``skipped`` counts entries that could not be used."""

    skipped: int = 0


def parse_statuses(payload: dict) -> ParsedStatuses:
    """Every usable status in a Cloud API webhook payload
    (``entry[].changes[].value.statuses[]``), in payload order. Malformed
    entries (missing id, unknown status, bad timestamp, wrong types) are
    skipped and counted in ``.skipped``; changes without statuses (incoming
    messages) are not ours and not counted."""
    result = ParsedStatuses()
    for value in _values(payload, result):
        statuses = value.get("statuses")
        if statuses is None:
            continue
        if not isinstance(statuses, list):
            result.skipped += 1
            continue
        for raw in statuses:
            event = _parse_status(raw)
            if event is None:
                result.skipped += 1
            else:
                result.append(event)
    if result.skipped:
        logger.warning("WhatsApp webhook: skipped %s malformed status entries", result.skipped)
    return result


def _values(payload, result: ParsedStatuses):
    if not isinstance(payload, dict):
        result.skipped += 1
        return
    entries = payload.get("entry", [])
    for entry in entries if isinstance(entries, list) else [None]:
        changes = entry.get("changes", []) if isinstance(entry, dict) else None
        for change in changes if isinstance(changes, list) else [None]:
            value = change.get("value") if isinstance(change, dict) else None
            if isinstance(value, dict):
                yield value
            else:
                result.skipped += 1


def _parse_status(raw) -> StatusEvent | None:
    if not isinstance(raw, dict):
        return None
    provider_id, meta_status = raw.get("id"), raw.get("status")
    if not isinstance(provider_id, str) or not provider_id.strip() or not isinstance(meta_status, str):
        return None
    status = _FROM_META.get(meta_status.lower())
    timestamp = _timestamp(raw.get("timestamp"))
    if status is None or timestamp is None:
        return None
    recipient = raw.get("recipient_id")
    try:
        recipient = e164_from_wa_id(str(recipient)) if recipient is not None else ""
    except ValidationError:
        recipient = str(recipient)[:32]
    error, code, retryable = _failure(raw.get("errors")) if status == FAILED else (None, None, False)
    return StatusEvent(provider_id.strip(), status, timestamp, recipient, error, code, retryable)


def _timestamp(value) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    try:
        seconds = int(value)
        return datetime.fromtimestamp(seconds, tz=UTC) if seconds > 0 else None
    except (ValueError, OverflowError, OSError):
        return None


def _failure(errors) -> tuple[str, int | None, bool]:
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    try:
        code = int(first.get("code"))
    except (TypeError, ValueError):
        code = None
    said = [str(first.get(key)) for key in ("title", "message") if first.get(key)]
    data = first.get("error_data")
    if isinstance(data, dict) and data.get("details"):
        said.append(str(data["details"]))
    if code is None and not said:
        return "WhatsApp reported the message as failed without a reason.", None, False
    human, retryable = describe_error(code)
    said_text = "; ".join(dict.fromkeys(said))  # title and message are often the same
    text = f"WhatsApp error {code}: {human}" if code is not None else "WhatsApp reported the message as failed."
    return (f"{text} (WhatsApp said: {said_text[:500]})" if said_text else text), code, retryable


def next_status(current: str, incoming: str) -> str | None:
    """The status a message moves to when WhatsApp reports ``incoming``, or
    None if it stays. Forward only: QUEUED < SENT < DELIVERED < READ (a jump,
    e.g. read before delivered, is fine); FAILED only from QUEUED or SENT;
    nothing leaves FAILED; duplicates and stale events change nothing."""
    current, incoming = str(current).upper(), str(incoming).upper()
    if current not in _ALL:
        raise ValueError(f"Unknown message status {current!r}")
    if incoming not in _ALL or incoming == current or current == FAILED:
        return None
    if incoming == FAILED:
        return FAILED if current in (QUEUED, SENT) else None
    return incoming if _RANK[incoming] > _RANK[current] else None
