"""Issuing and voiding invoices. Numbers are gapless per year."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.billing.models import ClassPack, Invoice, InvoiceLine
from core.billing.services.payments import pack_credits_grant_locked
from core.common.money import format_money, to_money
from core.common.queue import enqueue
from core.common.services import audit_record, counter_next
from core.common.validation import clean_built

PDF_TASK = "jobs.tasks.billing.render_invoice_pdf_task"
DEFAULT_DUE_DAYS = 7


@dataclass(frozen=True)
class LineSpec:
    description: str
    unit_price: Decimal
    quantity: int = 1
    kind: str = InvoiceLine.Kind.OTHER
    class_pack: ClassPack | None = None


def invoice_next_number(*, year: int) -> str:
    """INV-2026-000001: a locked counter per year, so concurrent issuers never
    share or skip a number (the increment rolls back with a failed issue)."""
    return f"INV-{year}-{counter_next(name=f'invoice:{year}'):06d}"


@transaction.atomic
def invoice_issue(
    *,
    lines: list[LineSpec],
    member=None,
    customer_name: str = "",
    due_on: datetime.date | None = None,
    by=None,
    note: str = "",
    replaces: Invoice | None = None,
) -> Invoice:
    """Issue an invoice with its lines; totals are computed here, in Decimal."""
    if not lines:
        raise ValidationError("An invoice needs at least one line.")
    if member is None and not customer_name.strip():
        raise ValidationError("Choose a member or enter the walk-in customer's name.")
    if member is not None and (member.deleted_at or member.purged_at):
        raise ValidationError(f"{member.code} is deleted; restore the member before invoicing.")
    today = timezone.localdate()
    due_on = due_on or today + datetime.timedelta(days=DEFAULT_DUE_DAYS)
    if due_on < today:
        raise ValidationError({"due_on": "The due date cannot be in the past."})
    prepared = []
    for spec in lines:
        unit_price = to_money(spec.unit_price)
        if unit_price < 0:
            raise ValidationError(f"“{spec.description}”: a price cannot be negative.")
        if spec.quantity < 1:
            raise ValidationError(f"“{spec.description}”: the quantity must be at least 1.")
        prepared.append((spec, unit_price, unit_price * spec.quantity))
    total = sum((amount for _, _, amount in prepared), Decimal("0.00"))
    invoice = Invoice(
        number=invoice_next_number(year=today.year),
        member=member,
        customer_name=customer_name.strip(),
        currency=settings.CURRENCY,
        issued_on=today,
        due_on=due_on,
        total=total,
        # Nothing to pay (a free plan or trial pack): no payment can ever be
        # taken on it, so it is settled from the start.
        status=Invoice.Status.PAID if total == 0 else Invoice.Status.ISSUED,
        issued_by=by if by is not None and by.pk else None,
        note=note,
        replaces=replaces,
    )
    # Totals are computed above from checked prices, the number from a locked counter, the customer is checked.
    clean_built(invoice)
    invoice.save()
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            kind=spec.kind,
            description=spec.description[:200],
            quantity=spec.quantity,
            unit_price=unit_price,
            amount=amount,
            class_pack=spec.class_pack,
        )
        for spec, unit_price, amount in prepared
    )
    if invoice.status == Invoice.Status.PAID:
        pack_credits_grant_locked(invoice=invoice)  # nobody else sees the new row yet
    enqueue(PDF_TASK, invoice.pk)
    return invoice


@transaction.atomic
def invoice_void(*, invoice: Invoice, reason: str, by=None) -> Invoice:
    """Void an invoice that has no money on it (refund payments first)."""
    from core.memberships.services import member_refresh_status

    if not (reason or "").strip():
        raise ValidationError("Give a reason for voiding the invoice.")
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status == Invoice.Status.VOID:
        raise ValidationError(f"{invoice.number} is already void.")
    if invoice.amount_paid > 0:
        raise ValidationError(
            f"{invoice.number} has {format_money(invoice.amount_paid)} paid on it; "
            "refund the payments before voiding it."
        )
    invoice.status = Invoice.Status.VOID
    invoice.void_reason = reason.strip()[:255]
    invoice.voided_at = timezone.now()
    invoice.save(update_fields=["status", "void_reason", "voided_at", "updated_at"])
    audit_record(
        action="invoice.voided", summary=f"{invoice.number} voided: {invoice.void_reason}", obj=invoice, actor=by
    )
    if invoice.member_id:
        member_refresh_status(member=invoice.member)
    return invoice


@transaction.atomic
def invoice_correct(*, invoice: Invoice, lines: list[LineSpec], reason: str, by=None, due_on=None) -> Invoice:
    """Correct an issued invoice: void it and issue a replacement that points back to it."""
    voided = invoice_void(invoice=invoice, reason=reason, by=by)
    replacement = invoice_issue(
        lines=lines,
        member=voided.member,
        customer_name=voided.customer_name,
        due_on=due_on or max(voided.due_on, timezone.localdate()),
        by=by,
        note=f"Replaces {voided.number}: {reason.strip()}"[:255],
        replaces=voided,
    )
    from core.memberships.services import member_refresh_status

    # Memberships paid by the old invoice are now paid by the replacement.
    for membership in voided.memberships.all():
        membership.invoice = replacement
        membership.save(update_fields=["invoice", "updated_at"])
    # The void refreshed the status against the old invoice; the replacement decides now.
    if replacement.member_id:
        member_refresh_status(member=replacement.member)
    return replacement
