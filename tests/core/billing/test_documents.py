"""Invoice and receipt PDFs (text extracted from the real WeasyPrint output)
and the receipt message queued in the outbox."""

import pytest
from django.core.files.storage import default_storage

from core.billing.models import Invoice
from core.billing.services.documents import (
    invoice_pdf_current,
    invoice_render_pdf,
    payment_receipt_current,
    payment_render_receipt,
    payment_send_receipt,
)
from core.billing.services.payments import payment_record, payment_refund
from core.notifications.models import Message
from tests.core.billing.builders import issue, make_member, reload
from tests.support.pdf import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


def stored_bytes(path: str) -> bytes:
    with default_storage.open(path, "rb") as fh:
        return fh.read()


@pytest.fixture
def member():
    return make_member(first_name="Nusrat", last_name="Jahan")


def test_invoice_pdf_shows_number_member_lines_and_total(member):
    # given an invoice for 12,345.50, part paid
    invoice = issue(member=member, total="12345.50")
    payment_record(invoice=invoice, amount="345.50")

    # when
    invoice = invoice_render_pdf(invoice_id=invoice.pk)

    # then the stored PDF carries the number, the member, the total and the balance
    assert invoice.pdf.name.endswith(f"{invoice.number}.pdf")
    assert reload(invoice).pdf.name == invoice.pdf.name
    text = pdf_text(stored_bytes(invoice.pdf.name))
    assert f"Invoice {invoice.number}" in text
    assert f"Nusrat Jahan ({member.code})" in text
    assert "Personal training" in text
    assert "Total ৳12,345.50" in text
    assert "Balance due ৳12,000.00" in text
    assert "PARTLY PAID" in text.splitlines()


def test_walk_in_invoice_pdf_names_the_customer():
    # given / when
    invoice = invoice_render_pdf(invoice_id=issue(customer_name="Karim Uddin", total="300.00").pk)

    # then
    text = pdf_text(stored_bytes(invoice.pdf.name))
    assert "Bill to: Karim Uddin" in text
    assert "Total ৳300.00" in text


def test_receipt_pdf_shows_receipt_number_amount_and_balance(member, support_user):
    # given
    invoice = issue(member=member, total="2000.00")
    payment = payment_record(invoice=invoice, amount="750.00", received_by=support_user)
    payment_record(invoice=invoice, amount="250.00")

    # when
    payment = payment_render_receipt(payment_id=payment.pk)

    # then the balance is the one right after this payment, not today's
    text = pdf_text(stored_bytes(payment.receipt_pdf.name))
    assert f"Receipt {payment.receipt_number}" in text
    assert f"Invoice {invoice.number}" in text
    assert "Amount received ৳750.00" in text
    assert "Balance after this payment ৳1,250.00" in text
    assert f"Received by {support_user.full_name}" in text


def test_receipt_pdf_is_rendered_once(member):
    # given
    payment = payment_record(invoice=issue(member=member), amount="100.00")
    first = payment_render_receipt(payment_id=payment.pk).receipt_pdf.name

    # when
    second = payment_render_receipt(payment_id=payment.pk).receipt_pdf.name

    # then
    assert second == first


def test_part_payment_queues_one_message_with_the_receipt_only(member):
    # given
    invoice = issue(member=member, total="1000.00")
    payment = payment_record(invoice=invoice, amount="400.00")

    # when the sending step runs twice (a retried job)
    first = payment_send_receipt(payment_id=payment.pk)
    second = payment_send_receipt(payment_id=payment.pk)

    # then one message, to the member, with the receipt PDF
    assert second.pk == first.pk
    message = Message.objects.get()
    assert (message.dedupe_key, message.recipient, message.template) == (
        f"receipt:{payment.pk}",
        member.user.email,
        "payment_receipt",
    )
    payment = reload(payment)
    assert message.attachments == [
        {"path": payment.receipt_pdf.name, "filename": f"{payment.receipt_number}.pdf", "mimetype": "application/pdf"}
    ]
    assert message.context["balance"] == "600.00"
    assert message.context["paid_in_full"] is False


def test_full_payment_attaches_the_invoice_pdf_too(member):
    # given
    invoice = issue(member=member, total="1000.00")
    payment_record(invoice=invoice, amount="400.00")
    last = payment_record(invoice=invoice, amount="600.00")

    # when
    message = payment_send_receipt(payment_id=last.pk)

    # then the invoice PDF, rendered now, shows it paid
    assert [a["filename"] for a in message.attachments] == [f"{last.receipt_number}.pdf", f"{invoice.number}.pdf"]
    stamp_lines = [line.strip() for line in pdf_text(stored_bytes(message.attachments[1]["path"])).splitlines()]
    assert "PAID" in stamp_lines
    assert reload(invoice).status == Invoice.Status.PAID
    assert message.context["paid_in_full"] is True


def test_refund_message_states_the_refunded_amount_positively(member, admin_user):
    # given
    payment = payment_record(invoice=issue(member=member, total="1000.00"), amount="1000.00")
    refund = payment_refund(payment=payment, amount="500.00", reason="Class cancelled", by=admin_user)

    # when
    message = payment_send_receipt(payment_id=refund.pk)

    # then only the refund receipt is attached (the invoice is no longer paid in full)
    assert message.context["is_refund"] is True
    assert message.context["amount"] == "500.00"
    assert [a["filename"] for a in message.attachments] == [f"{refund.receipt_number}.pdf"]
    text = pdf_text(stored_bytes(reload(refund).receipt_pdf.name))
    assert f"Refund receipt {refund.receipt_number}" in text
    assert "Refunded ৳500.00" in text
    assert "Balance after this payment ৳500.00" in text
    assert "Class cancelled" in text


def test_walk_in_payment_queues_no_message():
    # given
    payment = payment_record(invoice=issue(customer_name="Karim Uddin", total="300.00"), amount="300.00")

    # when
    result = payment_send_receipt(payment_id=payment.pk)

    # then the receipt exists for the desk to print, and nothing is emailed
    assert result is None
    assert not Message.objects.exists()
    assert reload(payment).receipt_pdf.name.endswith(f"{payment.receipt_number}.pdf")


def test_a_download_renders_the_invoice_again_once_a_payment_made_its_pdf_stale(member):
    # given a PDF rendered when nothing was paid
    invoice = invoice_render_pdf(invoice_id=issue(member=member, total="1000.00").pk)
    first = invoice.pdf.name
    assert invoice_pdf_current(reload(invoice)).pdf.name == first  # fresh: served as it is

    # when a payment changes the balance
    payment_record(invoice=invoice, amount="400.00")
    current = invoice_pdf_current(reload(invoice))

    # then the download gets a new file that shows the payment
    assert current.pdf.name != first
    text = pdf_text(stored_bytes(current.pdf.name))
    assert "400.00" in text and "600.00" in text


def test_a_download_renders_a_lost_receipt_again(member):
    # given a rendered receipt whose file was lost from storage
    payment = payment_record(invoice=issue(member=member, total="500.00"), amount="500.00")
    payment = payment_render_receipt(payment_id=payment.pk)
    default_storage.delete(payment.receipt_pdf.name)

    # when
    payment = payment_receipt_current(payment)

    # then the file is back and the row points at it
    assert stored_bytes(payment.receipt_pdf.name).startswith(b"%PDF")
    assert reload(payment).receipt_pdf.name == payment.receipt_pdf.name
