"""Invoices in the admin: issuing, voiding and correcting, and the invoice and receipt PDFs."""

from decimal import Decimal

import pytest

from core.billing.models import Invoice
from core.billing.services.payments import payment_record
from tests.admin_site.billing_support import INVOICES, PAYMENTS
from tests.core.billing.builders import issue, make_member, reload
from tests.support.responses import messages_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


# --- issuing --------------------------------------------------------------------------


def test_issuing_an_invoice_from_the_admin(client, support_user):
    # given
    member = make_member()
    client.force_login(support_user)
    # when
    response = client.post(
        f"{INVOICES}issue/",
        {
            "member_code": member.code.lower(),
            "description_1": "Locker rent, March",
            "unit_price_1": "300",
            "description_2": "Towel",
            "quantity_2": "2",
            "unit_price_2": "50.50",
        },
    )
    # then
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert (invoice.member, invoice.total, invoice.issued_by) == (member, Decimal("401.00"), support_user)
    assert [(line.description, line.quantity) for line in invoice.lines.all()] == [
        ("Locker rent, March", 1),
        ("Towel", 2),
    ]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"description_1": "Towel", "unit_price_1": "50"}, "Enter the walk-in customer&#x27;s name"),
        ({"member_code": "M99999", "description_1": "Towel", "unit_price_1": "50"}, "No member has the code"),
        ({"customer_name": "Karim"}, "Enter at least one line."),
        ({"customer_name": "Karim", "description_1": "Towel", "unit_price_1": "-5"}, "a price cannot be negative"),
        ({"customer_name": "Karim", "description_1": "Towel", "unit_price_1": "5", "due_on": "01/01/2020"}, "past"),
    ],
)
def test_issuing_with_bad_input_explains_and_issues_nothing(client, admin_user, data, error):
    client.force_login(admin_user)
    response = client.post(f"{INVOICES}issue/", data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Invoice.objects.exists()


# --- void and correct -----------------------------------------------------------------


def test_voiding_an_invoice_with_money_on_it_is_refused(client, admin_user):
    # given
    invoice = issue(total="1000.00")
    payment_record(invoice=invoice, amount="100.00")
    client.force_login(admin_user)
    # when
    response = client.post(f"{INVOICES}{invoice.pk}/void/", {"_apply": "1", "reason": "Wrong plan"})
    # then
    assert response.status_code == 200
    assert "refund the payments before voiding it" in response.content.decode()
    assert reload(invoice).status == Invoice.Status.PARTIAL


def test_an_admin_voids_an_unpaid_invoice_with_a_reason(client, admin_user):
    # given
    invoice = issue(total="1000.00")
    client.force_login(admin_user)
    # when
    empty = client.post(f"{INVOICES}{invoice.pk}/void/", {"_apply": "1", "reason": ""})
    done = client.post(f"{INVOICES}{invoice.pk}/void/", {"_apply": "1", "reason": "Issued twice"})
    # then
    assert empty.status_code == 200
    assert done.status_code == 302
    invoice = reload(invoice)
    assert (invoice.status, invoice.void_reason) == (Invoice.Status.VOID, "Issued twice")


def test_support_staff_cannot_void_and_do_not_see_the_button(client, support_user):
    # given
    invoice = issue(total="1000.00")
    client.force_login(support_user)
    # when
    page = client.get(f"{INVOICES}{invoice.pk}/change/").content.decode()
    listing = client.get(INVOICES).content.decode()
    response = client.post(f"{INVOICES}{invoice.pk}/void/", {"_apply": "1", "reason": "Because"})
    bulk = client.post(
        INVOICES, {"action": "void_selected", "_selected_action": [invoice.pk], "_apply": "1", "reason": "Because"}
    )
    # then
    assert f"{INVOICES}{invoice.pk}/void/" not in page
    assert f"{INVOICES}{invoice.pk}/correct/" not in page
    assert f"{INVOICES}{invoice.pk}/record-payment/" in page
    assert 'value="void_selected"' not in listing
    assert response.status_code == 403
    assert bulk.status_code == 200  # the list again: support staff have no such action
    assert reload(invoice).status == Invoice.Status.ISSUED


def test_bulk_void_keeps_invoices_with_money_on_them(client, admin_user):
    # given
    unpaid = issue(total="100.00")
    part_paid = issue(total="100.00")
    payment_record(invoice=part_paid, amount="50.00")
    client.force_login(admin_user)
    # when
    response = client.post(
        INVOICES,
        {"action": "void_selected", "_selected_action": [unpaid.pk, part_paid.pk], "_apply": "1", "reason": "Test"},
        follow=True,
    )
    # then
    assert reload(unpaid).status == Invoice.Status.VOID
    assert reload(part_paid).status == Invoice.Status.PARTIAL
    texts = messages_of(response)
    assert "1 invoice(s) voided." in texts
    assert any(part_paid.number in t and "refund the payments" in t for t in texts)


def test_correcting_an_invoice_voids_it_and_issues_the_replacement(client, admin_user):
    # given
    member = make_member()
    invoice = issue(member=member, total="1000.00")
    client.force_login(admin_user)
    # when
    response = client.post(
        f"{INVOICES}{invoice.pk}/correct/",
        {"reason": "Wrong price", "description_1": "Personal training", "quantity_1": "2", "unit_price_1": "450"},
    )
    # then
    old = reload(invoice)
    replacement = Invoice.objects.get(replaces=old)
    assert response.status_code == 302
    assert response.url == f"{INVOICES}{replacement.pk}/change/"
    assert old.status == Invoice.Status.VOID
    assert (replacement.member, replacement.total) == (member, Decimal("900.00"))


# --- PDFs ---------------------------------------------------------------------------


def test_staff_download_invoice_and_receipt_pdfs(client, support_user):
    # given: the background render never ran (on-commit work does not run here)
    invoice = issue(member=make_member(), total="1000.00")
    payment = payment_record(invoice=invoice, amount="1000.00")
    client.force_login(support_user)
    # when
    invoice_pdf = client.get(f"{INVOICES}{invoice.pk}/pdf/")
    receipt_pdf = client.get(f"{PAYMENTS}{payment.pk}/receipt/")
    # then
    for response, name in [(invoice_pdf, invoice.number), (receipt_pdf, payment.receipt_number)]:
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert f'filename="{name}.pdf"' in response["Content-Disposition"]
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
        assert "no-store" in response["Cache-Control"]
    assert reload(invoice).pdf and reload(payment).receipt_pdf


@pytest.mark.parametrize("role", ["member_user", None])
def test_pdf_downloads_are_closed_to_everyone_else(client, request, role):
    # given
    invoice = issue(total="1000.00")
    payment = payment_record(invoice=invoice, amount="1000.00")
    if role:
        client.force_login(request.getfixturevalue(role))
    # when
    responses = [client.get(f"{INVOICES}{invoice.pk}/pdf/"), client.get(f"{PAYMENTS}{payment.pk}/receipt/")]
    # then
    for response in responses:
        assert response.status_code == 302
        assert response.url.startswith("/admin/login/")  # which sends members to their portal
        assert "Content-Disposition" not in response
