"""Billing admin pages: who may open each, the invoice list, issued invoices read-only, list query counts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.billing.models import BkashCheckout, ClassCredit, Invoice, WebhookEvent
from core.billing.services.payments import payment_record
from core.billing.services.purchases import class_pack_buy
from tests.admin_site.billing_support import DUES, INVOICES, PAYMENTS
from tests.core.billing.builders import days, issue, make_member, make_pack, reload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


# --- pages render ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin_user", "support_user"])
def test_billing_pages_render_for_staff(client, request, role):
    # given
    member = make_member()
    invoice = issue(member=member, total="1500.00")
    payment = payment_record(invoice=invoice, amount="500.00")
    pack = make_pack()
    paid_pack = class_pack_buy(member=member, pack=pack)
    payment_record(invoice=paid_pack, amount=paid_pack.total)
    credit = ClassCredit.objects.get(member=member)
    client.force_login(request.getfixturevalue(role))
    paths = [
        INVOICES,
        f"{INVOICES}{invoice.pk}/change/",
        f"{INVOICES}{invoice.pk}/history/",
        f"{INVOICES}{invoice.pk}/record-payment/",
        f"{INVOICES}issue/",
        f"{INVOICES}?status__exact=PARTIAL&due=overdue&paid_by=CASH&q={member.code}",
        f"{INVOICES}?issued_on_from=01/01/2020&issued_on_to=31/12/2099",
        DUES,
        f"{DUES}?soon=1",
        PAYMENTS,
        f"{PAYMENTS}{payment.pk}/change/",
        f"{PAYMENTS}{payment.pk}/history/",
        f"{PAYMENTS}?method__exact=CASH&q={invoice.number}",
        "/admin/billing/classpack/",
        f"/admin/billing/classpack/{pack.pk}/change/",
        f"/admin/billing/classpack/{pack.pk}/history/",
        f"/admin/billing/classpack/{pack.pk}/sell/",
        "/admin/billing/classcredit/",
        "/admin/billing/classcredit/?state=active",
        f"/admin/billing/classcredit/{credit.pk}/change/",
    ]
    # when / then
    for path in paths:
        assert client.get(path).status_code == 200, path


def test_admin_only_pages(client, admin_user, support_user):
    # given
    invoice = issue(total="800.00")
    payment = payment_record(invoice=invoice, amount="800.00")
    checkout = BkashCheckout.objects.create(
        invoice=issue(total="300.00"), bkash_payment_id="TR0011abc", amount=Decimal("300.00")
    )
    event = WebhookEvent.objects.create(source="bkash", event_id="m-1", payload={"Type": "Notification"})
    admin_only = [
        f"{INVOICES}{invoice.pk}/void/",
        f"{INVOICES}{invoice.pk}/correct/",
        f"{PAYMENTS}{payment.pk}/refund/",
        "/admin/billing/classpack/add/",
        "/admin/billing/bkashcheckout/",
        "/admin/billing/bkashcheckout/?attention=yes",
        f"/admin/billing/bkashcheckout/{checkout.pk}/change/",
        "/admin/billing/webhookevent/",
        "/admin/billing/webhookevent/?processed=gave_up",
        f"/admin/billing/webhookevent/{event.pk}/change/",
    ]
    # when / then
    client.force_login(admin_user)
    for path in admin_only:
        assert client.get(path).status_code == 200, path
    client.force_login(support_user)
    for path in admin_only:
        assert client.get(path).status_code == 403, path


def test_invoice_list_shows_customer_money_with_the_taka_sign_and_status(client, admin_user):
    # given
    member = make_member(first_name="Rafi", last_name="Ahmed")
    invoice = issue(member=member, total="12500.00")
    payment_record(invoice=invoice, amount="2500.00")
    walk_in = issue(total="300.00", customer_name="Karim Walk-in")
    client.force_login(admin_user)
    # when
    page = client.get(INVOICES).content.decode()
    # then
    assert f"{member.code} Rafi Ahmed" in page
    assert "Karim Walk-in (walk-in)" in page
    assert "৳12,500.00" in page and "৳2,500.00" in page and "৳10,000.00" in page
    assert "Partly paid" in page
    assert walk_in.number in page


def test_issued_invoices_cannot_be_added_changed_or_deleted_in_the_admin(client, admin_user):
    # given
    invoice = issue(total="1000.00")
    client.force_login(admin_user)
    # when
    add = client.get(f"{INVOICES}add/")
    change = client.post(f"{INVOICES}{invoice.pk}/change/", {"due_on": "2099-01-01"})
    delete = client.post(f"{INVOICES}{invoice.pk}/delete/", {"post": "yes"})
    # then
    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert reload(invoice).due_on == invoice.due_on


# --- query counts ---------------------------------------------------------------------


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _invoices_with_payments(n: int) -> None:
    for i in range(n):
        invoice = issue(member=make_member() if i % 2 else None, total="1000.00")
        payment_record(invoice=invoice, amount="400.00")


LISTS = [INVOICES, PAYMENTS, DUES, f"{INVOICES}?due=overdue&paid_by=CASH", f"{PAYMENTS}?method__exact=CASH"]


def test_billing_lists_run_in_a_fixed_number_of_queries(client, support_user):
    # given
    client.force_login(support_user)
    _invoices_with_payments(5)
    Invoice.objects.update(due_on=timezone.localdate() - days(3))
    client.get(INVOICES)
    with_5 = {path: _queries(client, path) for path in LISTS}
    # when
    _invoices_with_payments(25)
    Invoice.objects.update(due_on=timezone.localdate() - days(3))
    with_30 = {path: _queries(client, path) for path in LISTS}
    # then
    assert with_30 == with_5
    assert max(with_5.values()) <= 14, with_5
