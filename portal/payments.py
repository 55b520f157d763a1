"""Where bKash sends the payer's browser back: ``/payments/bkash/callback/``.

It is a GET because bKash redirects the browser; it changes state anyway,
which is safe because the paymentID is looked up in our own table and bKash
is asked what happened (the amount and invoice in the URL are never used),
and asking again changes nothing. The member's session does not matter for
correctness: the payment is booked to the invoice it was started for, and
only that invoice's member sees the invoice and receipt links.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.billing.models import BkashCheckout
from core.billing.services.online import bkash_checkout_complete
from portal.access import public

TEMPLATE = "portal/billing/bkash_result.html"


def _outcome(checkout: BkashCheckout) -> str:
    if checkout.status == BkashCheckout.Status.COMPLETED:
        return "paid" if checkout.payment_id else "review"
    return {
        BkashCheckout.Status.CANCELLED: "cancelled",
        BkashCheckout.Status.FAILED: "failed",
    }.get(checkout.status, "pending")


@public
@never_cache
@require_GET
def bkash_callback(request):
    try:
        checkout = bkash_checkout_complete(
            bkash_payment_id=request.GET.get("paymentID", ""), status=request.GET.get("status", "")
        )
    except ValidationError as exc:
        return render(request, TEMPLATE, {"outcome": "unknown", "reason": " ".join(exc.messages)}, status=404)
    invoice = checkout.invoice
    is_owner = bool(request.user.is_authenticated and invoice.member_id and invoice.member.user_id == request.user.pk)
    context = {
        "outcome": _outcome(checkout),
        "checkout": checkout,
        "is_owner": is_owner,
        "invoice": invoice if is_owner else None,
        "payment": checkout.payment if is_owner else None,
        "reason": checkout.last_error,
    }
    return render(request, TEMPLATE, context)
