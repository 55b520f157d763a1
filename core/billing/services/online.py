"""Members paying invoices online with bKash (tokenized checkout).

Start: ``bkash_checkout_start`` reserves a BkashCheckout row under the invoice
lock (status INITIATED, a placeholder paymentID) and commits; only then is
bKash asked to create the payment, with no transaction open and no lock held,
and the paymentID and bkashURL are stored. A second click while the first is
still talking to bKash waits for that row instead of creating a second
payment; a click within REUSE_WINDOW gets the same bKash page back. We chose
this over holding the invoice lock through the create call: bKash may take up
to BKASH_TIMEOUT (30 s) to answer, and a lock held that long would stall the
front desk recording cash on the same invoice.

Finish: ``bkash_checkout_complete`` runs when the browser comes back. The
paymentID decides everything (looked up in our table; amount and invoice
from the browser are never used); success is executed, and a timeout or odd
answer is followed by a status query before anything is decided. Recording
happens in ``bkash_settle``, exactly once. ``bkash_reconcile`` asks bKash
about checkouts whose payer never came back.
"""

import datetime
import logging
import time
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.billing.gateways.bkash import BkashClient, BkashError
from core.billing.models import BkashCheckout, ClassPack, Invoice
from core.billing.services.bkash_settle import (
    FAILED_TEXT,
    PENDING_PREFIX,
    bkash_checkout_apply,
    bkash_checkout_mark,
    bkash_checkout_note,
    execute_refusal,
)
from core.billing.services.purchases import class_pack_buy
from core.common.money import format_money
from core.common.services import audit_record
from core.members.models import Member

logger = logging.getLogger(__name__)

REUSE_WINDOW = datetime.timedelta(minutes=10)
WAIT_POLL_SECONDS = 0.2
MAX_WAIT = datetime.timedelta(seconds=15)
OPEN = (Invoice.Status.ISSUED, Invoice.Status.PARTIAL)
# bKash's own words are fit for the member for these; others get a generic line (staff read the log).
MEMBER_FACING = {"2023", "503", "unreachable"}
UNKNOWN_PAYMENT = (
    "We have no record of this bKash payment. If money was taken from your bKash account, "
    "contact the front desk with the bKash transaction ID."
)


def bkash_client() -> BkashClient:
    return BkashClient()


def member_text(exc: BkashError) -> str:
    if exc.code in MEMBER_FACING:
        return exc.message
    return (
        f"bKash could not take the payment right now (bKash {exc.code}); nothing was taken. "
        "Please try again later or pay at the front desk."
    )


def create_deadline() -> datetime.timedelta:
    # A create can cost a token grant and the create, each retried once after "Unauthorized".
    return datetime.timedelta(seconds=4 * float(settings.BKASH_TIMEOUT) + 5)


# --- start ------------------------------------------------------------------------


def bkash_checkout_start(*, invoice: Invoice, started_by, callback_url: str) -> BkashCheckout:
    """Open (or reuse) a bKash payment for the invoice's whole balance; the
    returned checkout's ``bkash_url`` is where the payer goes. Call it outside
    any transaction: it waits on bKash."""
    checkout, is_new = _checkout_reserve(invoice=invoice, started_by=started_by)
    if not is_new:
        return _checkout_wait_until_ready(checkout)
    return _checkout_create(checkout, callback_url=callback_url)


@transaction.atomic
def _checkout_reserve(*, invoice: Invoice, started_by) -> tuple[BkashCheckout, bool]:
    invoice = Invoice.objects.select_for_update(of=("self",)).select_related("member").get(pk=invoice.pk)
    member = invoice.member
    if member is None or started_by is None or member.user_id != started_by.pk:
        raise ValidationError("Only the member this invoice belongs to can pay it online.")
    if invoice.status not in OPEN or invoice.balance <= 0:
        raise ValidationError(f"{invoice.number} is {invoice.get_status_display().lower()}: there is nothing to pay.")
    amount = invoice.balance  # from the locked row, never from the browser
    now = timezone.now()
    recent = invoice.bkash_checkouts.filter(status=BkashCheckout.Status.INITIATED, created_at__gte=now - REUSE_WINDOW)
    for candidate in recent.order_by("-created_at"):
        pending = candidate.bkash_payment_id.startswith(PENDING_PREFIX)
        if pending and candidate.created_at < now - create_deadline():
            # The process creating it died before bKash answered: the payer never saw a bKash page.
            candidate.status, candidate.last_error = BkashCheckout.Status.FAILED, "bKash never confirmed the start."
            candidate.save(update_fields=["status", "last_error", "updated_at"])
        elif candidate.amount == amount and (pending or candidate.bkash_url):
            return candidate, False
    checkout = BkashCheckout(
        invoice=invoice, bkash_payment_id=PENDING_PREFIX + uuid.uuid4().hex, amount=amount, started_by=started_by
    )
    checkout.full_clean()
    checkout.save()
    return checkout, True


def _checkout_wait_until_ready(checkout: BkashCheckout) -> BkashCheckout:
    """A second click while the first one is still waiting for bKash: wait for its answer,
    briefly (a web worker must not hang; the member can simply click again)."""
    deadline = min(checkout.created_at + create_deadline(), timezone.now() + MAX_WAIT)
    while checkout.bkash_payment_id.startswith(PENDING_PREFIX) and checkout.status == BkashCheckout.Status.INITIATED:
        if timezone.now() >= deadline:
            break
        time.sleep(WAIT_POLL_SECONDS)
        checkout.refresh_from_db()
    if checkout.status != BkashCheckout.Status.INITIATED or not checkout.bkash_url:
        raise ValidationError(checkout.last_error or "Your bKash payment is still starting; please try again shortly.")
    return checkout


def _payer_reference(member: Member) -> str:
    # bKash shows this number pre-filled on its page: the local form of a Bangladeshi mobile.
    phone = member.phone or ""
    return "0" + phone[4:] if phone.startswith("+8801") else member.code


def _checkout_create(checkout: BkashCheckout, *, callback_url: str) -> BkashCheckout:
    invoice = checkout.invoice
    try:
        created = bkash_client().create_payment(
            amount=checkout.amount,
            invoice_number=invoice.number,
            payer_reference=_payer_reference(invoice.member),
            callback_url=callback_url,
            currency=invoice.currency,
        )
    except BkashError as exc:
        logger.warning("bKash create for %s failed: %r", invoice.number, exc)
        # Nothing can have been taken: a created payment moves no money until executed.
        bkash_checkout_mark(checkout_id=checkout.pk, status=BkashCheckout.Status.FAILED, reason=member_text(exc))
        raise ValidationError(member_text(exc)) from exc
    except Exception:
        # Never leave a reserved row behind for a second click to wait on.
        bkash_checkout_mark(
            checkout_id=checkout.pk,
            status=BkashCheckout.Status.FAILED,
            reason="The bKash payment could not be started.",
        )
        raise
    with transaction.atomic():
        checkout = BkashCheckout.objects.select_for_update(of=("self",)).select_related("invoice").get(pk=checkout.pk)
        checkout.bkash_payment_id = created.payment_id
        checkout.bkash_url = created.bkash_url
        checkout.status, checkout.last_error = BkashCheckout.Status.INITIATED, ""
        checkout.save(update_fields=["bkash_payment_id", "bkash_url", "status", "last_error", "updated_at"])
        audit_record(
            action="bkash.checkout_started",
            summary=f"bKash payment of {format_money(checkout.amount, invoice.currency)} started for {invoice.number}",
            obj=checkout,
            actor=checkout.started_by,
            data={"invoice": invoice.number, "payment_id": created.payment_id, "amount": str(checkout.amount)},
        )
    return checkout


# --- finish -----------------------------------------------------------------------


def bkash_checkout_complete(*, bkash_payment_id: str, status: str) -> BkashCheckout:
    """The payer's browser is back from bKash with ``paymentID`` and ``status``
    (success, failure or cancel). Safe to call any number of times."""
    payment_id = (bkash_payment_id or "").strip()
    checkout = None
    if payment_id and not payment_id.startswith(PENDING_PREFIX):
        checkout = BkashCheckout.objects.select_related("invoice").filter(bkash_payment_id=payment_id).first()
    if checkout is None:
        raise ValidationError(UNKNOWN_PAYMENT)
    if checkout.status == BkashCheckout.Status.COMPLETED:
        return checkout  # a replayed or refreshed callback: the payment exists already
    if status == "cancel":
        return bkash_checkout_mark(checkout_id=checkout.pk, status=BkashCheckout.Status.CANCELLED)
    if status == "failure":
        return bkash_checkout_mark(checkout_id=checkout.pk, status=BkashCheckout.Status.FAILED, reason=FAILED_TEXT)
    return bkash_checkout_verify(checkout=checkout, execute=status == "success")


def _worth_asking(exc: BkashError) -> bool:
    """After this answer to execute, only a status query tells what happened."""
    return exc.outcome_unknown or exc.already_completed or exc.code in ("2117", "2056")


def bkash_checkout_verify(*, checkout: BkashCheckout, execute: bool) -> BkashCheckout:
    """Execute (when the payer approved) or just query, then act on bKash's answer."""
    client = bkash_client()
    result = None
    if execute:
        refusal = execute_refusal(checkout)
        if refusal:
            # An earlier execute may have gone through unseen: look before closing it.
            return _query_and_apply(client, checkout, otherwise=refusal)
        try:
            result = client.execute_payment(checkout.bkash_payment_id)
        except BkashError as exc:
            if not _worth_asking(exc):
                logger.info("bKash execute of %s refused: %r", checkout.bkash_payment_id, exc)
                return bkash_checkout_mark(
                    checkout_id=checkout.pk, status=BkashCheckout.Status.FAILED, reason=member_text(exc)
                )
            logger.info("bKash execute of %s unclear (%s); asking its status", checkout.bkash_payment_id, exc.code)
        if result is not None and result.is_completed:
            return bkash_checkout_apply(checkout=checkout, result=result)
    return _query_and_apply(client, checkout)


def _query_and_apply(client: BkashClient, checkout: BkashCheckout, *, otherwise: str = "") -> BkashCheckout:
    try:
        result = client.query_payment(checkout.bkash_payment_id)
    except BkashError as exc:
        if otherwise:
            return bkash_checkout_mark(checkout_id=checkout.pk, status=BkashCheckout.Status.FAILED, reason=otherwise)
        # Unknown for now: the checkout stays waiting; a refreshed page, the IPN or the sweep settles it.
        return bkash_checkout_note(checkout_id=checkout.pk, note=f"Could not confirm with bKash yet: {exc.message}")
    if otherwise and not result.is_completed:
        return bkash_checkout_mark(checkout_id=checkout.pk, status=BkashCheckout.Status.FAILED, reason=otherwise)
    return bkash_checkout_apply(checkout=checkout, result=result)


# --- buying in the portal ---------------------------------------------------------


@transaction.atomic
def class_pack_buy_online(*, member: Member, pack: ClassPack, by) -> Invoice:
    """``class_pack_buy`` for the portal's buy button: a second click within
    REUSE_WINDOW gets the unpaid invoice of the first instead of a second bill."""
    member = Member.all_objects.select_for_update().get(pk=member.pk)
    recent = Invoice.objects.filter(
        member=member,
        status=Invoice.Status.ISSUED,
        created_at__gte=timezone.now() - REUSE_WINDOW,
        lines__class_pack=pack,
        lines__quantity=1,
    ).order_by("-created_at")
    for invoice in recent:
        if invoice.lines.count() == 1:
            return invoice
    return class_pack_buy(member=member, pack=pack, by=by)
