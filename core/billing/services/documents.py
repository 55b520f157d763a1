"""PDFs and receipt emails. Called by jobs after the payment committed;
each step is idempotent, so a retried job never emails twice."""

from django.core.files.base import ContentFile
from django.db.models import prefetch_related_objects

from core.billing.models import Invoice, Payment
from core.billing.pdf import RECEIPT_RELATED, invoice_pdf_render, receipt_pdf_render
from core.notifications.models import Message
from core.notifications.services import message_queue

RECEIPT_TEMPLATE = "payment_receipt"


def invoice_render_pdf(*, invoice_id: int) -> Invoice:
    """(Re)render the invoice PDF into private storage; the file name carries the number."""
    invoice = Invoice.objects.select_related("member__user").prefetch_related("lines", "payments").get(pk=invoice_id)
    return _invoice_store_pdf(invoice)


def _invoice_store_pdf(invoice: Invoice) -> Invoice:
    """Render an invoice loaded with its member, lines and payments, and point the row at the file."""
    content = ContentFile(invoice_pdf_render(invoice), name=f"{invoice.number}.pdf")
    # Earlier renders are kept: a queued email may still attach one of them.
    invoice.pdf.save(content.name, content, save=False)
    # update() keeps PDF refreshes out of the invoice's history. One statement:
    # no lock needed, concurrent renders each store their own file and the last wins.
    Invoice.objects.filter(pk=invoice.pk).update(pdf=invoice.pdf.name)
    return invoice


def _payment_with_documents(payment_id: int) -> Payment:
    # One query for the payment, its invoice, member and user: what both PDFs and the email show.
    return Payment.objects.select_related(*RECEIPT_RELATED).get(pk=payment_id)


def payment_render_receipt(*, payment_id: int) -> Payment:
    return _receipt_store_pdf(_payment_with_documents(payment_id))


def _receipt_store_pdf(payment: Payment) -> Payment:
    if not payment.receipt_pdf:
        prefetch_related_objects([payment.invoice], "payments")
        content = ContentFile(receipt_pdf_render(payment), name=f"{payment.receipt_number}.pdf")
        payment.receipt_pdf.save(content.name, content, save=False)
        Payment.objects.filter(pk=payment.pk).update(receipt_pdf=payment.receipt_pdf.name)
    return payment


def _is_fresh(fieldfile, changed_at) -> bool:
    storage = fieldfile.storage
    return (
        bool(fieldfile) and storage.exists(fieldfile.name) and storage.get_modified_time(fieldfile.name) >= changed_at
    )


def invoice_pdf_current(invoice: Invoice) -> Invoice:
    """The invoice with a PDF that shows its current payments and balance: rendered again
    when the file is missing or older than the invoice's last change (for a download)."""
    return invoice if _is_fresh(invoice.pdf, invoice.updated_at) else invoice_render_pdf(invoice_id=invoice.pk)


def payment_receipt_current(payment: Payment) -> Payment:
    """The payment with its receipt PDF on storage: rendered now when the job is behind or
    the file was lost (a receipt never changes once rendered)."""
    if payment.receipt_pdf and payment.receipt_pdf.storage.exists(payment.receipt_pdf.name):
        return payment
    Payment.objects.filter(pk=payment.pk).update(receipt_pdf="")
    return payment_render_receipt(payment_id=payment.pk)


def payment_send_receipt(*, payment_id: int):
    """Receipt PDF (and the invoice PDF once fully paid) emailed to the member, once."""
    dedupe_key = f"receipt:{payment_id}"
    # A retried job finds its message queued already: no second render of the PDFs.
    existing = Message.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    payment = _receipt_store_pdf(_payment_with_documents(payment_id))
    invoice = payment.invoice
    member = invoice.member
    if member is None or member.user_id is None:
        return None  # walk-in customer or purged member: the desk hands over a printout
    attachments = [
        {"path": payment.receipt_pdf.name, "filename": f"{payment.receipt_number}.pdf", "mimetype": "application/pdf"}
    ]
    if invoice.status == Invoice.Status.PAID and not payment.is_refund:
        # The payment's own load brought the invoice and its member: only lines and payments are left to fetch.
        prefetch_related_objects([invoice], "lines", "payments")
        invoice = _invoice_store_pdf(invoice)
        attachments.append(
            {"path": invoice.pdf.name, "filename": f"{invoice.number}.pdf", "mimetype": "application/pdf"}
        )
    return message_queue(
        template=RECEIPT_TEMPLATE,
        recipient=member.user.email,
        user=member.user,
        dedupe_key=dedupe_key,
        attachments=attachments,
        context={
            "first_name": member.user.first_name,
            "receipt_number": payment.receipt_number,
            "invoice_number": invoice.number,
            # A refund is stored negative; the email says "we refunded ৳500.00".
            "amount": str(abs(payment.amount)),
            "method": payment.get_method_display(),
            "is_refund": payment.is_refund,
            "invoice_status": invoice.get_status_display(),
            "balance": str(invoice.balance),
            "paid_in_full": invoice.status == Invoice.Status.PAID,
        },
    )
