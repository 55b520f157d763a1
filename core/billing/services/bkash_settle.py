"""Turning what bKash reports into our records, exactly once.

Shared by the browser callback (``online``), the IPN job (``webhooks``) and
the reconcile sweep. Every path ends here with the checkout row locked, so a
callback and an IPN racing for the same payment record it once; the unique
(method, reference) constraint on Payment backs that up for a trxID reported
through two different checkouts or typed in by staff.
"""

import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from core.billing.gateways.bkash import PaymentStatus
from core.billing.models import BkashCheckout, Invoice, Payment
from core.billing.services.payments import payment_record
from core.common.money import format_money
from core.common.services import audit_record

logger = logging.getLogger(__name__)

PENDING_PREFIX = "pending-"  # bkash_payment_id of a checkout whose create call has not answered yet

CANCELLED_TEXT = "The payment was cancelled on bKash; nothing was taken from your account."
FAILED_TEXT = "bKash could not complete the payment; nothing was taken from your account."
EXPIRED_TEXT = "The bKash payment expired before it was completed; nothing was taken from your account."
NOT_OPEN_TEXT = "{number} no longer has {amount} to pay, so bKash was not asked to take it; nothing was taken."


def bkash_checkout_for_update(checkout_id: int) -> BkashCheckout:
    return BkashCheckout.objects.select_for_update(of=("self",)).select_related("invoice").get(pk=checkout_id)


@transaction.atomic
def bkash_checkout_mark(*, checkout_id: int, status: str, reason: str = "") -> BkashCheckout:
    """Close a checkout that took no money. Only a waiting (or earlier failed)
    checkout changes: a completed one stays completed whatever arrives late."""
    checkout = bkash_checkout_for_update(checkout_id)
    if checkout.status == BkashCheckout.Status.COMPLETED or (
        checkout.status == status and checkout.last_error == reason
    ):
        return checkout
    checkout.status = status
    checkout.last_error = reason[:255]
    checkout.save(update_fields=["status", "last_error", "updated_at"])
    return checkout


@transaction.atomic
def bkash_checkout_note(*, checkout_id: int, note: str) -> BkashCheckout:
    """Keep a waiting checkout waiting, with a note for staff (and a fresh updated_at for the sweep)."""
    checkout = bkash_checkout_for_update(checkout_id)
    if checkout.status == BkashCheckout.Status.INITIATED:
        checkout.last_error = note[:255]
        checkout.save(update_fields=["last_error", "updated_at"])
    return checkout


def execute_refusal(checkout: BkashCheckout) -> str:
    """Why bKash must not be asked to take this checkout's money now ("" if it may).
    Executing is what moves the money, so an invoice paid meanwhile (at the
    desk, or through a second checkout) stops it before any is taken."""
    invoice = Invoice.objects.get(pk=checkout.invoice_id)
    open_ = invoice.status in (Invoice.Status.ISSUED, Invoice.Status.PARTIAL)
    if not open_ or checkout.amount > invoice.balance:
        return NOT_OPEN_TEXT.format(number=invoice.number, amount=format_money(checkout.amount, invoice.currency))
    return ""


def bkash_checkout_apply(*, checkout: BkashCheckout, result: PaymentStatus) -> BkashCheckout:
    """Act on bKash's word about a payment (execute's or status query's answer)."""
    if result.payment_id and result.payment_id != checkout.bkash_payment_id:
        return bkash_checkout_note(
            checkout_id=checkout.pk, note=f"bKash answered about payment {result.payment_id}; ask bKash again."
        )
    if result.is_completed:
        return bkash_checkout_settle(
            checkout_id=checkout.pk,
            trx_id=result.trx_id,
            amount=result.amount,
            invoice_number=result.invoice_number,
        )
    status = result.transaction_status
    if status == "Cancelled":
        return bkash_checkout_mark(checkout_id=checkout.pk, status=BkashCheckout.Status.CANCELLED)
    if status in ("Failed", "Expired"):
        text = EXPIRED_TEXT if status == "Expired" else FAILED_TEXT
        return bkash_checkout_mark(checkout_id=checkout.pk, status=BkashCheckout.Status.FAILED, reason=text)
    # "Initiated" (the payer has not finished) or something new: keep waiting.
    return bkash_checkout_note(
        checkout_id=checkout.pk, note=f"bKash has not completed the payment yet (status “{status or 'none'}”)."
    )


@transaction.atomic
def bkash_checkout_settle(
    *, checkout_id: int, trx_id: str, amount: Decimal | None, invoice_number: str = ""
) -> BkashCheckout:
    """bKash says the payment is Completed with ``trx_id``: record the Payment once.

    The amount recorded is what bKash took. It should be the checkout's amount;
    if it is not, it is still recorded when it fits the balance, and otherwise
    the checkout is flagged in ``last_error`` for staff (never silently lost).
    """
    checkout = bkash_checkout_for_update(checkout_id)
    if checkout.payment_id or (checkout.status == BkashCheckout.Status.COMPLETED and checkout.trx_id):
        return checkout  # a replayed callback, the IPN after the callback, or already flagged
    checkout.status = BkashCheckout.Status.COMPLETED
    checkout.trx_id = trx_id
    existing = Payment.objects.filter(method=Payment.Method.BKASH, reference=trx_id, amount__gt=0).first()
    if existing is not None:
        if existing.invoice_id == checkout.invoice_id:
            return _link(checkout, existing, note="")
        return _flag(checkout, f"trxID {trx_id} is already recorded on {existing.invoice} ({existing.receipt_number}).")
    invoice = Invoice.objects.select_for_update().get(pk=checkout.invoice_id)
    taken = amount if amount is not None else checkout.amount
    money = format_money(taken, invoice.currency)
    if invoice_number and invoice_number != invoice.number:
        return _flag(checkout, f"bKash took {money} (trxID {trx_id}) for “{invoice_number}”, not {invoice.number}.")
    if invoice.status == Invoice.Status.VOID:
        return _flag(checkout, f"bKash took {money} (trxID {trx_id}) but {invoice.number} is void: refund it.")
    if taken <= 0 or taken > invoice.balance:
        return _flag(
            checkout,
            f"bKash took {money} (trxID {trx_id}) but only {format_money(invoice.balance, invoice.currency)} "
            f"is due on {invoice.number}: check it and refund or record it by hand.",
        )
    note = ""
    if taken != checkout.amount:
        note = f"bKash took {money} instead of {format_money(checkout.amount, invoice.currency)}."
    try:
        payment = payment_record(
            invoice=invoice,
            amount=taken,
            method=Payment.Method.BKASH,
            reference=trx_id,
            note=f"bKash paymentID {checkout.bkash_payment_id}",
        )
    except ValidationError:
        # Staff typed the same trxID in at the desk a moment ago (the unique
        # constraint refused ours); everything else was checked under the locks.
        existing = Payment.objects.filter(method=Payment.Method.BKASH, reference=trx_id, amount__gt=0).first()
        if existing is None:
            raise
        return _link(checkout, existing, note="")
    return _link(checkout, payment, note=note)


def _link(checkout: BkashCheckout, payment: Payment, *, note: str) -> BkashCheckout:
    checkout.payment = payment
    checkout.last_error = note[:255]
    checkout.save(update_fields=["status", "trx_id", "payment", "last_error", "updated_at"])
    return checkout


def _flag(checkout: BkashCheckout, problem: str) -> BkashCheckout:
    """Money moved on bKash that we cannot book automatically: keep it in front of staff."""
    checkout.last_error = problem[:255]
    checkout.save(update_fields=["status", "trx_id", "last_error", "updated_at"])
    logger.error("bKash checkout %s needs staff: %s", checkout.pk, problem)
    audit_record(
        action="bkash.needs_attention",
        summary=f"bKash payment {checkout.bkash_payment_id}: {problem}",
        obj=checkout,
        data={"invoice": checkout.invoice.number, "trx_id": checkout.trx_id},
    )
    return checkout
