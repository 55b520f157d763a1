"""``/webhooks/bkash/``: bKash's IPN through AWS SNS. Verified, stored, answered
at once; a job does the work (core.billing.services.webhooks)."""

import logging

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.billing.services.webhooks import MAX_BODY_BYTES, WebhookRejected, webhook_receive_bkash
from portal.access import public

logger = logging.getLogger(__name__)


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


@public  # SNS cannot log in: the message signature is the access check
@csrf_exempt
@require_POST
def bkash_webhook(request):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return _text("Too large.", 413)
    try:
        event, created = webhook_receive_bkash(body=request.body)
    except WebhookRejected as exc:
        return _text(exc.reason, exc.status)
    logger.info("bKash webhook %s %s", event.event_id, "stored" if created else "already stored")
    return _text("OK")
