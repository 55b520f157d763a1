"""Billing jobs as the worker runs them (django-q2 in sync mode in tests):
a payment ends in exactly one receipt email with the PDFs attached."""

import pytest
from django.core.files.storage import default_storage

from core.billing.models import Invoice
from core.billing.services.payments import payment_record
from core.notifications.models import Message
from jobs.tasks.billing import payment_receipt_task, render_invoice_pdf_task
from tests.core.billing.builders import issue, make_member, reload
from tests.support.mail import html_part

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }


@pytest.fixture
def member():
    return make_member(first_name="Nusrat", last_name="Jahan")


def pdf_attachments(email) -> list[tuple[str, bytes, str]]:
    return [(a[0], a[1], a[2]) for a in email.attachments]


def test_render_invoice_pdf_task_stores_the_pdf(member):
    # given
    invoice = issue(member=member)

    # when
    path = render_invoice_pdf_task(invoice.pk)

    # then
    assert reload(invoice).pdf.name == path
    with default_storage.open(path, "rb") as fh:
        assert fh.read(5) == b"%PDF-"


def test_receipt_task_run_twice_queues_one_message(member):
    # given a payment (its on-commit job not run)
    payment = payment_record(invoice=issue(member=member, total="800.00"), amount="800.00")

    # when the job runs twice (a retry after a lost acknowledgement)
    first = payment_receipt_task(payment.pk)
    second = payment_receipt_task(payment.pk)

    # then one message, with the receipt and the (paid) invoice attached
    message = Message.objects.get()
    assert first == second == f"message {message.pk}"
    assert message.dedupe_key == f"receipt:{payment.pk}"
    assert [a["filename"] for a in message.attachments] == [
        f"{payment.receipt_number}.pdf",
        f"{payment.invoice.number}.pdf",
    ]


def test_payment_emails_one_receipt_with_pdfs_once(member, mailoutbox, django_capture_on_commit_callbacks):
    # given an invoice paid in two parts, each committed (jobs run as the worker would)
    invoice = issue(member=member, total="1500.00")
    with django_capture_on_commit_callbacks(execute=True):
        part = payment_record(invoice=invoice, amount="500.00")
    with django_capture_on_commit_callbacks(execute=True):
        rest = payment_record(invoice=invoice, amount="1000.00")

    # when the receipt job for the last payment is retried
    with django_capture_on_commit_callbacks(execute=True):
        payment_receipt_task(rest.pk)
        payment_receipt_task(rest.pk)

    # then one email per payment, to the member, never a second one
    assert reload(invoice).status == Invoice.Status.PAID
    assert [m.to for m in mailoutbox] == [[member.user.email], [member.user.email]]
    assert Message.objects.filter(status=Message.Status.SENT).count() == 2
    part_email, rest_email = mailoutbox
    # the part payment carries its receipt only
    assert [(name, mimetype) for name, _, mimetype in pdf_attachments(part_email)] == [
        (f"{part.receipt_number}.pdf", "application/pdf")
    ]
    # the final one carries the receipt and the paid invoice
    attachments = pdf_attachments(rest_email)
    assert [(name, mimetype) for name, _, mimetype in attachments] == [
        (f"{rest.receipt_number}.pdf", "application/pdf"),
        (f"{invoice.number}.pdf", "application/pdf"),
    ]
    assert all(content.startswith(b"%PDF") for _, content, _ in attachments)
    assert rest.receipt_number in rest_email.subject
    assert "৳1,000.00" in rest_email.body
    assert "paid in full" in html_part(rest_email)


def test_walk_in_payment_sends_no_email(mailoutbox, django_capture_on_commit_callbacks):
    # given
    invoice = issue(customer_name="Karim Uddin", total="300.00")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        payment = payment_record(invoice=invoice, amount="300.00")

    # then the receipt is made for the desk, nothing is queued or sent
    assert payment_receipt_task(payment.pk) == "no email (walk-in or removed member)"
    assert reload(payment).receipt_pdf
    assert not Message.objects.exists()
    assert mailoutbox == []
