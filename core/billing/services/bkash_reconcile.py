"""The sweep for bKash checkouts nobody came back for (run by the bkash-sweep job).

A payer may close the browser on bKash's page, or our server may have lost
bKash's answer: the checkout then waits as INITIATED. Every RECONCILE_AFTER
the sweep asks bKash about it: completed ones are recorded (once, through
``bkash_settle``), cancelled and failed ones are closed, and after a day the
rest are closed as expired. It never executes a payment: only the payer's
return with an approval does that.
"""

import datetime
from collections import Counter

from django.utils import timezone

from core.billing.gateways.bkash import BkashError
from core.billing.models import BkashCheckout
from core.billing.services.bkash_settle import (
    EXPIRED_TEXT,
    PENDING_PREFIX,
    bkash_checkout_apply,
    bkash_checkout_mark,
    bkash_checkout_note,
)
from core.billing.services.online import bkash_client, create_deadline

RECONCILE_AFTER = datetime.timedelta(minutes=10)
GIVE_UP_AFTER = datetime.timedelta(days=1)
RECONCILE_BATCH = 100
NEVER_STARTED = "bKash never confirmed the start."


def bkash_checkouts_reconcile(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Settle waiting checkouts from bKash's answers; returns how many ended in each state."""
    now = now or timezone.now()
    counts: Counter = Counter()
    stale = BkashCheckout.objects.filter(
        status=BkashCheckout.Status.INITIATED,
        bkash_payment_id__startswith=PENDING_PREFIX,
        created_at__lt=now - create_deadline(),
    )
    for checkout_id in stale.values_list("pk", flat=True):
        bkash_checkout_mark(checkout_id=checkout_id, status=BkashCheckout.Status.FAILED, reason=NEVER_STARTED)
        counts["abandoned"] += 1
    # updated_at moves each time bKash is asked, so each checkout is asked at most every RECONCILE_AFTER.
    waiting = (
        BkashCheckout.objects.filter(status=BkashCheckout.Status.INITIATED, updated_at__lt=now - RECONCILE_AFTER)
        .exclude(bkash_payment_id__startswith=PENDING_PREFIX)
        .select_related("invoice")
        .order_by("updated_at")[:RECONCILE_BATCH]
    )
    client = bkash_client()
    for checkout in waiting:
        try:
            checkout = bkash_checkout_apply(checkout=checkout, result=client.query_payment(checkout.bkash_payment_id))
        except BkashError as exc:
            if exc.code == "2002":  # bKash does not know it: it can never complete
                bkash_checkout_mark(checkout_id=checkout.pk, status=BkashCheckout.Status.FAILED, reason=exc.message)
                counts["failed"] += 1
            else:
                bkash_checkout_note(checkout_id=checkout.pk, note=f"Could not confirm with bKash yet: {exc.message}")
                counts["errors"] += 1
            continue
        if checkout.status == BkashCheckout.Status.INITIATED and checkout.created_at < now - GIVE_UP_AFTER:
            checkout = bkash_checkout_mark(
                checkout_id=checkout.pk, status=BkashCheckout.Status.FAILED, reason=EXPIRED_TEXT
            )
        counts[checkout.status.lower()] += 1
    return dict(counts)
