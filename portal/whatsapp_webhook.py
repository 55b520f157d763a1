"""``/webhooks/whatsapp/``: Meta's WhatsApp Cloud API webhook.

GET is Meta's subscription check (hub.verify_token must equal
WHATSAPP_VERIFY_TOKEN). POST carries delivery statuses: the body's size and
its X-Hub-Signature-256 are checked before anything is parsed (401 when the
signature is missing, 403 when wrong), then each status moves its Message
forward (core.notifications.status). Statuses are a few small updates, so
they are applied at once and Meta gets its 200 quickly; an error answers 500
and Meta sends the webhook again, which is harmless (idempotent).
"""

import logging
from collections import Counter

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.notifications.status import message_status_apply
from core.notifications.whatsapp.webhook import (
    SIGNATURE_HEADER,
    WebhookError,
    load_payload,
    parse_statuses,
    verify_signature,
    verify_subscription,
)
from portal.access import signed_webhook

logger = logging.getLogger(__name__)

_REFUSALS = {401: "Signature missing.", 403: "Signature invalid.", 400: "Malformed body."}


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


@signed_webhook(SIGNATURE_HEADER)
@csrf_exempt  # Meta cannot send a CSRF token: the HMAC signature is the check
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request):
    if request.method == "GET":
        try:
            return _text(verify_subscription(request.GET, settings.WHATSAPP_VERIFY_TOKEN))
        except WebhookError as exc:
            logger.warning("WhatsApp subscription check refused: %s", exc)
            return _text("Refused.", exc.status_code)
    limit = settings.WHATSAPP_WEBHOOK_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return _text("Too large.", 413)
    raw = request.body
    if len(raw) > limit:
        return _text("Too large.", 413)
    try:
        verify_signature(raw, request.headers.get(SIGNATURE_HEADER), settings.WHATSAPP_APP_SECRET)
        payload = load_payload(raw)
    except WebhookError as exc:
        # The reason goes to the log; the caller learns only the kind of refusal.
        logger.warning("WhatsApp webhook refused (%s): %s", exc.status_code, exc)
        return _text(_REFUSALS.get(exc.status_code, "Refused."), exc.status_code)
    outcomes = Counter(
        message_status_apply(
            provider_id=event.provider_id,
            status=event.status,
            timestamp=event.timestamp,
            error=event.error,
            retryable=event.retryable,
        )
        for event in parse_statuses(payload)
    )
    if outcomes:
        logger.info("WhatsApp webhook: %s", ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items())))
    return _text("OK")
