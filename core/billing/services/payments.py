"""Recording money: cash at the desk, bKash online, refunds."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.billing.models import ClassCredit, Invoice, InvoiceLine, Payment
from core.common.money import format_money, to_money
from core.common.queue import enqueue
from core.common.services import audit_record, counter_next
from core.common.validation import clean_built

RECEIPT_TASK = "jobs.tasks.billing.payment_receipt_task"


def receipt_next_number(*, year: int) -> str:
    return f"RCT-{year}-{counter_next(name=f'receipt:{year}'):06d}"


def _status_for(invoice: Invoice) -> str:
    if invoice.amount_paid >= invoice.total:
        return Invoice.Status.PAID
    if invoice.amount_paid > 0:
        return Invoice.Status.PARTIAL
    return Invoice.Status.ISSUED


@transaction.atomic
def pack_credits_grant(*, invoice: Invoice) -> list[ClassCredit]:
    """Turn the class-pack lines of a fully paid member invoice into credits.
    Idempotent: a line that already has its credit is skipped (and the
    one-to-one link refuses a second), so running it again grants nothing."""
    return pack_credits_grant_locked(invoice=Invoice.objects.select_for_update().get(pk=invoice.pk))


def pack_credits_grant_locked(*, invoice: Invoice) -> list[ClassCredit]:
    """``pack_credits_grant`` for an invoice whose row the caller has locked since it read it."""
    if invoice.status != Invoice.Status.PAID or not invoice.member_id:
        return []
    lines = invoice.lines.filter(kind=InvoiceLine.Kind.CLASS_PACK, class_credit__isnull=True).select_related(
        "class_pack"
    )
    today = timezone.localdate()
    return [
        ClassCredit.objects.create(
            member_id=invoice.member_id,
            invoice_line=line,
            total=line.class_pack.credits * line.quantity,
            expires_on=today + datetime.timedelta(days=line.class_pack.validity_days),
            note=f"{line.class_pack.name} ({invoice.number})"[:120],
        )
        for line in lines
    ]


def _after_money_moved(invoice: Invoice) -> None:
    from core.memberships.services import member_refresh_status

    pack_credits_grant_locked(invoice=invoice)
    if invoice.member_id:
        member_refresh_status(member=invoice.member)


@transaction.atomic
def payment_record(
    *,
    invoice: Invoice,
    amount: Decimal | str,
    method: str = Payment.Method.CASH,
    reference: str = "",
    received_by=None,
    note: str = "",
    received_at: datetime.datetime | None = None,
) -> Payment:
    """Record money received against an invoice. Partial payments add up;
    paying more than the balance is refused. The receipt (PDF + email) follows."""
    amount = to_money(amount)
    if amount <= 0:
        raise ValidationError({"amount": "The amount must be more than zero."})
    # The member comes along for the status refresh (locked there); only the invoice row is locked here.
    invoice = Invoice.objects.select_for_update(of=("self",)).select_related("member").get(pk=invoice.pk)
    if invoice.status == Invoice.Status.VOID:
        raise ValidationError(f"{invoice.number} is void; payments cannot be taken on it.")
    if invoice.status == Invoice.Status.PAID:
        raise ValidationError(f"{invoice.number} is already paid in full.")
    if amount > invoice.balance:
        raise ValidationError(
            {
                "amount": f"{format_money(amount)} is more than the balance of "
                f"{format_money(invoice.balance)} on {invoice.number}."
            }
        )
    reference = reference.strip()
    # Checked here (not only by the constraint) so the message names the
    # transaction; full_clean() would report the constraint's name instead.
    if (
        method == Payment.Method.BKASH
        and Payment.objects.filter(method=method, reference=reference, amount__gt=0).exists()
    ):
        raise ValidationError(f"The bKash transaction {reference} is already recorded.")
    now = received_at or timezone.now()
    payment = Payment(
        invoice=invoice,
        amount=amount,
        method=method,
        reference=reference,
        received_by=received_by if received_by is not None and received_by.pk else None,
        note=note.strip(),
        received_at=now,
        receipt_number=receipt_next_number(year=timezone.localdate(now).year),
    )
    # The amount is checked above, the receipt number comes from a locked counter.
    clean_built(payment)
    try:
        # No savepoint: the error is raised on, and this service's transaction rolls back.
        payment.save()
    except IntegrityError as exc:
        raise ValidationError(f"The bKash transaction {reference} is already recorded.") from exc
    invoice.amount_paid += amount
    invoice.status = _status_for(invoice)
    invoice.save(update_fields=["amount_paid", "status", "updated_at"])
    audit_record(
        action="payment.recorded",
        summary=f"{format_money(amount)} {payment.get_method_display()} on {invoice.number} ({payment.receipt_number})",
        obj=payment,
        actor=received_by,
        data={"invoice": invoice.number, "amount": str(amount), "method": method, "reference": payment.reference},
    )
    _after_money_moved(invoice)
    enqueue(RECEIPT_TASK, payment.pk)
    return payment


@transaction.atomic
def payment_refund(*, payment: Payment, amount: Decimal | str, reason: str, by) -> Payment:
    """Give money back (admins only): a negative payment with a reason."""
    if by is None or not getattr(by, "is_admin", False):
        raise ValidationError("Only an admin can record a refund.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give a reason for the refund."})
    amount = to_money(amount)
    if amount <= 0:
        raise ValidationError({"amount": "Enter the refund as a positive amount."})
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.is_refund:
        raise ValidationError("A refund cannot be refunded.")
    invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
    already = -sum((r.amount for r in payment.refunds.all()), Decimal("0.00"))
    if amount > payment.amount - already:
        raise ValidationError(
            {
                "amount": f"Only {format_money(payment.amount - already)} of {payment.receipt_number} "
                "can still be refunded."
            }
        )
    now = timezone.now()
    refund = Payment(
        invoice=invoice,
        amount=-amount,
        method=payment.method,
        reference=payment.reference,
        received_by=by,
        note=reason.strip()[:255],
        refund_of=payment,
        received_at=now,
        receipt_number=receipt_next_number(year=timezone.localdate(now).year),
    )
    refund.full_clean()
    refund.save()
    invoice.amount_paid -= amount
    invoice.status = _status_for(invoice)
    invoice.save(update_fields=["amount_paid", "status", "updated_at"])
    audit_record(
        action="payment.refunded",
        summary=f"Refund {format_money(amount)} of {payment.receipt_number} on {invoice.number}: {refund.note}",
        obj=refund,
        actor=by,
        data={"invoice": invoice.number, "amount": str(-amount), "refund_of": payment.receipt_number},
    )
    _after_money_moved(invoice)
    enqueue(RECEIPT_TASK, refund.pk)
    return refund
