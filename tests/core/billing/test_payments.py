"""Cash payments and refunds: balances, statuses, receipts, audit."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.billing.models import Invoice, Payment
from core.billing.services.invoices import invoice_void
from core.billing.services.payments import payment_record, payment_refund
from core.common.models import AuditEvent
from tests.core.billing.builders import issue, reload, today

pytestmark = pytest.mark.django_db


def test_partial_payments_accumulate_until_paid(support_user):
    # given
    invoice = issue(total="1500.00")

    # when / then: ISSUED → PARTIAL → PARTIAL → PAID
    payment_record(invoice=invoice, amount="500.00", received_by=support_user)
    assert (reload(invoice).status, reload(invoice).amount_paid) == (Invoice.Status.PARTIAL, Decimal("500.00"))
    payment_record(invoice=invoice, amount=Decimal("250.50"), received_by=support_user)
    assert (reload(invoice).status, reload(invoice).balance) == (Invoice.Status.PARTIAL, Decimal("749.50"))
    payment_record(invoice=invoice, amount="749.50", received_by=support_user, note="Rest in cash")
    invoice = reload(invoice)
    assert invoice.status == Invoice.Status.PAID
    assert invoice.amount_paid == Decimal("1500.00")
    assert invoice.balance == Decimal("0.00")
    assert invoice.payments.count() == 3


def test_overpayment_is_refused_naming_the_balance():
    # given
    invoice = issue(total="1000.00")
    payment_record(invoice=invoice, amount="700.00")

    # when / then
    with pytest.raises(ValidationError) as refused:
        payment_record(invoice=invoice, amount="300.01")
    assert refused.value.message_dict == {
        "amount": [f"৳300.01 is more than the balance of ৳300.00 on {invoice.number}."]
    }
    assert reload(invoice).amount_paid == Decimal("700.00")
    assert invoice.payments.count() == 1


@pytest.mark.parametrize("amount", ["0", "0.00", "-50.00", "0.001"])
def test_zero_or_negative_amounts_are_refused(amount):
    # given
    invoice = issue()

    # when / then ("0.001" rounds to zero taka)
    with pytest.raises(ValidationError) as refused:
        payment_record(invoice=invoice, amount=amount)
    assert refused.value.message_dict == {"amount": ["The amount must be more than zero."]}
    assert not Payment.objects.exists()


def test_a_float_amount_is_a_programming_error():
    # given / when / then: money never passes through float
    with pytest.raises(TypeError):
        payment_record(invoice=issue(), amount=10.5)


def test_payment_on_a_void_invoice_is_refused():
    # given
    invoice = invoice_void(invoice=issue(), reason="Duplicate")

    # when / then
    with pytest.raises(ValidationError, match=f"{invoice.number} is void; payments cannot be taken on it."):
        payment_record(invoice=invoice, amount="10.00")
    assert not Payment.objects.exists()


def test_payment_on_a_paid_invoice_is_refused():
    # given
    invoice = issue(total="300.00")
    payment_record(invoice=invoice, amount="300.00")

    # when / then
    with pytest.raises(ValidationError, match=f"{invoice.number} is already paid in full."):
        payment_record(invoice=invoice, amount="1.00")


def test_each_payment_gets_a_unique_receipt_number_and_an_audit_event(support_user):
    # given two invoices
    first, second = issue(total="900.00"), issue(total="500.00")

    # when
    payments = [
        payment_record(invoice=first, amount="300.00", received_by=support_user),
        payment_record(invoice=second, amount="500.00", received_by=support_user, reference="Book 12/34"),
        payment_record(invoice=first, amount="600.00", received_by=support_user),
    ]

    # then
    year = today().year
    assert [p.receipt_number for p in payments] == [f"RCT-{year}-{i:06d}" for i in (1, 2, 3)]
    events = AuditEvent.objects.filter(action="payment.recorded").order_by("pk")
    assert [e.object_id for e in events] == [str(p.pk) for p in payments]
    assert all(e.actor == support_user for e in events)
    assert events[1].data == {
        "invoice": second.number,
        "amount": "500.00",
        "method": "CASH",
        "reference": "Book 12/34",
    }
    assert payments[1].received_by == support_user


def test_a_bkash_transaction_is_recorded_once():
    # given
    invoice = issue(total="1000.00")
    payment_record(invoice=invoice, amount="400.00", method=Payment.Method.BKASH, reference="TRX9A8B7C")

    # when / then: the same trxID again (callback and IPN both report it)
    with pytest.raises(ValidationError, match="The bKash transaction TRX9A8B7C is already recorded."):
        payment_record(invoice=invoice, amount="400.00", method=Payment.Method.BKASH, reference="TRX9A8B7C")
    assert reload(invoice).amount_paid == Decimal("400.00")


# Refunds


def test_refund_is_for_admins_only(support_user):
    # given
    invoice = issue(total="1000.00")
    payment = payment_record(invoice=invoice, amount="1000.00")

    # when / then
    with pytest.raises(ValidationError, match="Only an admin can record a refund."):
        payment_refund(payment=payment, amount="100.00", reason="Overcharged", by=support_user)
    with pytest.raises(ValidationError, match="Only an admin can record a refund."):
        payment_refund(payment=payment, amount="100.00", reason="Overcharged", by=None)
    assert reload(invoice).status == Invoice.Status.PAID
    assert Payment.objects.count() == 1


def test_refund_requires_a_reason_and_a_positive_amount(admin_user):
    # given
    payment = payment_record(invoice=issue(total="1000.00"), amount="1000.00")

    # when / then
    with pytest.raises(ValidationError) as refused:
        payment_refund(payment=payment, amount="100.00", reason=" ", by=admin_user)
    assert refused.value.message_dict == {"reason": ["Give a reason for the refund."]}
    with pytest.raises(ValidationError, match="Enter the refund as a positive amount."):
        payment_refund(payment=payment, amount="-100.00", reason="Overcharged", by=admin_user)


def test_refunds_go_back_through_the_statuses_and_never_exceed_what_was_paid(admin_user):
    # given a fully paid invoice (two payments)
    invoice = issue(total="1000.00")
    first = payment_record(invoice=invoice, amount="600.00")
    payment_record(invoice=invoice, amount="400.00")

    # when part of the first payment is refunded
    refund = payment_refund(payment=first, amount="250.00", reason="Class cancelled", by=admin_user)

    # then a negative payment with the reason, and PAID → PARTIAL
    assert refund.amount == Decimal("-250.00")
    assert refund.note == "Class cancelled"
    assert refund.refund_of == first
    assert refund.received_by == admin_user
    assert refund.is_refund
    assert refund.receipt_number.startswith(f"RCT-{today().year}-")
    invoice = reload(invoice)
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PARTIAL, Decimal("750.00"))
    event = AuditEvent.objects.get(action="payment.refunded")
    assert event.actor == admin_user
    assert event.object_id == str(refund.pk)
    assert event.data["amount"] == "-250.00"

    # when more than what is left of that payment is asked for
    with pytest.raises(ValidationError) as refused:
        payment_refund(payment=first, amount="350.01", reason="More", by=admin_user)
    assert refused.value.message_dict == {"amount": [f"Only ৳350.00 of {first.receipt_number} can still be refunded."]}

    # when the rest of it is refunded, then PARTIAL stays PARTIAL (400 still paid)
    payment_refund(payment=first, amount="350.00", reason="Rest", by=admin_user)
    assert (reload(invoice).status, reload(invoice).amount_paid) == (Invoice.Status.PARTIAL, Decimal("400.00"))
    with pytest.raises(ValidationError, match="Only ৳0.00"):
        payment_refund(payment=first, amount="0.01", reason="Again", by=admin_user)


def test_refunding_everything_returns_the_invoice_to_issued_and_it_can_be_paid_again(admin_user):
    # given
    invoice = issue(total="500.00")
    payment = payment_record(invoice=invoice, amount="500.00")

    # when
    payment_refund(payment=payment, amount="500.00", reason="Paid twice by mistake", by=admin_user)

    # then
    invoice = reload(invoice)
    assert (invoice.status, invoice.amount_paid, invoice.balance) == (
        Invoice.Status.ISSUED,
        Decimal("0.00"),
        Decimal("500.00"),
    )
    payment_record(invoice=invoice, amount="500.00")
    assert reload(invoice).status == Invoice.Status.PAID


def test_a_refund_cannot_be_refunded(admin_user):
    # given
    payment = payment_record(invoice=issue(total="500.00"), amount="500.00")
    refund = payment_refund(payment=payment, amount="100.00", reason="Discount", by=admin_user)

    # when / then
    with pytest.raises(ValidationError, match="A refund cannot be refunded."):
        payment_refund(payment=refund, amount="50.00", reason="?", by=admin_user)
