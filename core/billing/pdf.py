"""Invoice and receipt PDFs, rendered by WeasyPrint from Django templates."""

import functools
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from core.billing.models import Invoice, Payment


@functools.cache
def _font_config():
    # One font configuration per process: building it is most of a cold render.
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def _gym() -> dict:
    return {
        "name": settings.GYM_NAME,
        "address": settings.GYM_ADDRESS,
        "phone": settings.GYM_PHONE,
        "currency": settings.CURRENCY,
    }


@functools.cache
def _stylesheet():
    # Parsed once per process: re-parsing a <style> block was ~8% of every render's Python work.
    from weasyprint import CSS

    return CSS(filename=str(Path(__file__).with_name("pdf.css")), font_config=_font_config())


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[_stylesheet()], font_config=_font_config()
    )


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    """The invoice as it is in the database now."""
    return invoice_pdf_render(
        Invoice.objects.select_related("member__user").prefetch_related("lines", "payments").get(pk=invoice.pk)
    )


def invoice_pdf_render(invoice: Invoice) -> bytes:
    """An invoice the caller has just loaded with its member and user, lines and payments."""
    html = render_to_string(
        "billing/invoice_pdf.html",
        {"invoice": invoice, "gym": _gym(), "lines": invoice.lines.all(), "payments": invoice.payments.all(),
         "generated_at": timezone.now()},
    )  # fmt: skip
    return html_to_pdf(html)


RECEIPT_RELATED = ("invoice__member__user", "received_by", "refund_of")


def receipt_pdf_bytes(payment: Payment) -> bytes:
    """The receipt of a payment as it is in the database now."""
    return receipt_pdf_render(
        Payment.objects.select_related(*RECEIPT_RELATED).prefetch_related("invoice__payments").get(pk=payment.pk)
    )


def receipt_pdf_render(payment: Payment) -> bytes:
    """A payment the caller has just loaded with ``RECEIPT_RELATED`` and its invoice's payments."""
    # The balance as it stood right after this payment, whenever the PDF is made.
    paid_until = sum((p.amount for p in payment.invoice.payments.all() if p.pk <= payment.pk), Decimal("0.00"))
    html = render_to_string(
        "billing/receipt_pdf.html",
        {
            "payment": payment,
            # A refund is stored negative; the receipt reads "Refunded ৳500.00".
            "amount": abs(payment.amount),
            "invoice": payment.invoice,
            "balance_after": payment.invoice.total - paid_until,
            "gym": _gym(),
            "generated_at": timezone.now(),
        },
    )
    return html_to_pdf(html)
