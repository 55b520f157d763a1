"""Billing tasks: ids in, call a service."""

from core.billing.services.bkash_reconcile import bkash_checkouts_reconcile
from core.billing.services.documents import invoice_render_pdf, payment_send_receipt
from core.billing.services.webhooks import webhook_event_process, webhook_events_retry_due
from jobs.base import system_task


@system_task
def render_invoice_pdf_task(invoice_id: int) -> str:
    return invoice_render_pdf(invoice_id=invoice_id).pdf.name


@system_task
def payment_receipt_task(payment_id: int) -> str:
    message = payment_send_receipt(payment_id=payment_id)
    return "no email (walk-in or removed member)" if message is None else f"message {message.pk}"


@system_task
def process_webhook_event_task(event_id: int) -> str:
    event = webhook_event_process(event_id=event_id)
    if event is None:
        return "gone"
    return "processed" if event.processed_at else f"attempt {event.attempts} failed: {event.last_error[:200]}"


@system_task
def bkash_sweep_task() -> dict:
    """Retry due webhook events and ask bKash about checkouts whose payer never came back."""
    return {"webhook_retries": webhook_events_retry_due(), "checkouts": bkash_checkouts_reconcile()}
