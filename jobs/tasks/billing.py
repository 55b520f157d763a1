"""Billing tasks: ids in, call a service."""

from core.billing.services.documents import invoice_render_pdf, payment_send_receipt
from jobs.base import system_task


@system_task
def render_invoice_pdf_task(invoice_id: int) -> str:
    return invoice_render_pdf(invoice_id=invoice_id).pdf.name


@system_task
def payment_receipt_task(payment_id: int) -> str:
    message = payment_send_receipt(payment_id=payment_id)
    return "no email (walk-in or removed member)" if message is None else f"message {message.pk}"
