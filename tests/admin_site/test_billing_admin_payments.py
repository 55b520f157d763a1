"""Payments in the admin: recording them against an invoice at the desk, and refunds."""

from decimal import Decimal

import pytest

from core.billing.models import Invoice, Payment
from core.billing.services.payments import payment_record
from tests.admin_site.billing_support import INVOICES, PAYMENTS
from tests.core.billing.builders import issue, make_member, reload
from tests.support.responses import messages_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


def record(invoice, path_suffix="record-payment/", **data):
    payload = {"_apply": "1", "amount": "", "method": "CASH", "reference": "", "note": ""}
    payload.update(data)
    return f"{INVOICES}{invoice.pk}/{path_suffix}", payload


# --- recording payments ---------------------------------------------------------------


def test_recording_a_partial_then_the_full_payment(client, support_user):
    # given
    invoice = issue(member=make_member(), total="1000.00")
    client.force_login(support_user)
    # when: 400 now
    url, data = record(invoice, amount="400.00", reference="Book 12/7")
    first = client.post(url, data)
    # then
    assert first.status_code == 302
    assert first.url == f"{INVOICES}{invoice.pk}/change/"
    invoice = reload(invoice)
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PARTIAL, Decimal("400.00"))
    # when: the rest
    url, data = record(invoice, amount="600.00")
    second = client.post(url, data, follow=True)
    # then
    invoice = reload(invoice)
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PAID, Decimal("1000.00"))
    payments = list(invoice.payments.order_by("received_at"))
    assert [p.amount for p in payments] == [Decimal("400.00"), Decimal("600.00")]
    assert {p.received_by for p in payments} == {support_user}
    assert payments[0].reference == "Book 12/7"
    assert "Payment recorded." in messages_of(second)


def test_the_record_payment_form_offers_the_balance(client, support_user):
    # given
    invoice = issue(total="1000.00")
    payment_record(invoice=invoice, amount="250.00")
    client.force_login(support_user)
    # when
    page = client.get(f"{INVOICES}{invoice.pk}/record-payment/").content.decode()
    # then
    assert 'value="750.00"' in page
    assert "balance ৳750.00" in page


def test_overpaying_is_refused_with_the_services_message_and_nothing_recorded(client, support_user):
    # given
    invoice = issue(total="1000.00")
    client.force_login(support_user)
    # when
    url, data = record(invoice, amount="1000.01")
    response = client.post(url, data)
    # then
    assert response.status_code == 200
    assert "৳1,000.01 is more than the balance of ৳1,000.00" in response.content.decode()
    assert not Payment.objects.exists()
    assert reload(invoice).status == Invoice.Status.ISSUED


def test_a_payment_on_a_void_invoice_is_refused(client, admin_user):
    # given
    invoice = issue(total="1000.00")
    from core.billing.services.invoices import invoice_void

    invoice_void(invoice=invoice, reason="Issued twice", by=admin_user)
    client.force_login(admin_user)
    # when: the page says so, and a post anyway gets the service's refusal
    page = client.get(f"{INVOICES}{invoice.pk}/record-payment/", follow=True)
    url, data = record(invoice, amount="100.00")
    response = client.post(url, data)
    # then
    assert f"{invoice.number} is void: there is nothing to pay on it." in messages_of(page)
    assert f"{invoice.number} is void; payments cannot be taken on it." in response.content.decode()
    assert not Payment.objects.exists()


def test_a_bkash_payment_taken_at_the_desk_needs_its_trx_id(client, support_user):
    # given
    invoice = issue(total="500.00")
    client.force_login(support_user)
    # when
    url, data = record(invoice, amount="500.00", method="BKASH")
    response = client.post(url, data)
    # then
    assert "Enter the bKash trxID" in response.content.decode()
    assert not Payment.objects.exists()


# --- refunds --------------------------------------------------------------------------


def test_support_staff_cannot_refund(client, support_user):
    # given
    invoice = issue(total="1000.00")
    payment = payment_record(invoice=invoice, amount="1000.00")
    client.force_login(support_user)
    # when
    page = client.get(f"{PAYMENTS}{payment.pk}/change/").content.decode()
    response = client.post(f"{PAYMENTS}{payment.pk}/refund/", {"_apply": "1", "amount": "100", "reason": "x"})
    # then
    assert f"{PAYMENTS}{payment.pk}/refund/" not in page
    assert response.status_code == 403
    assert Payment.objects.count() == 1


def test_an_admin_refunds_part_of_a_payment(client, admin_user):
    # given
    invoice = issue(total="1000.00")
    payment = payment_record(invoice=invoice, amount="1000.00")
    client.force_login(admin_user)
    # when
    offered = client.get(f"{PAYMENTS}{payment.pk}/refund/").content.decode()
    too_much = client.post(f"{PAYMENTS}{payment.pk}/refund/", {"_apply": "1", "amount": "1200", "reason": "x"})
    done = client.post(f"{PAYMENTS}{payment.pk}/refund/", {"_apply": "1", "amount": "300", "reason": "Overcharged"})
    # then
    assert 'value="1000.00"' in offered
    assert "can still be refunded" in too_much.content.decode()
    assert done.status_code == 302
    refund = Payment.objects.get(refund_of=payment)
    assert (refund.amount, refund.note, refund.received_by) == (Decimal("-300.00"), "Overcharged", admin_user)
    invoice = reload(invoice)
    assert (invoice.status, invoice.balance) == (Invoice.Status.PARTIAL, Decimal("300.00"))
