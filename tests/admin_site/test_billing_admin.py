"""Invoices, payments, dues, class packs, bKash checkouts and webhook events in the admin."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.billing.models import BkashCheckout, ClassCredit, Invoice, InvoiceLine, Payment, WebhookEvent
from core.billing.services.payments import payment_record
from core.billing.services.purchases import class_pack_buy
from core.billing.services.webhooks import MAX_ATTEMPTS
from tests.core.billing.builders import issue, make_member, make_pack, reload

pytestmark = pytest.mark.django_db

INVOICES = "/admin/billing/invoice/"
PAYMENTS = "/admin/billing/payment/"
DUES = f"{INVOICES}dues/"


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def overdue(invoice: Invoice, *, by_days: int) -> Invoice:
    # Test setup only: an invoice issued a while ago whose due date has passed
    # (the service refuses past due dates when issuing, rightly).
    today = timezone.localdate()
    Invoice.objects.filter(pk=invoice.pk).update(issued_on=today - days(by_days + 7), due_on=today - days(by_days))
    return reload(invoice)


def record(invoice, path_suffix="record-payment/", **data):
    payload = {"_apply": "1", "amount": "", "method": "CASH", "reference": "", "note": ""}
    payload.update(data)
    return f"{INVOICES}{invoice.pk}/{path_suffix}", payload


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


# --- dues -------------------------------------------------------------------------------


def test_dues_list_only_open_invoices_past_due_oldest_first(client, support_user):
    # given
    member = make_member(first_name="Rafi", last_name="Ahmed")
    member.phone = "+8801711000000"
    member.save(update_fields=["phone"])
    old = overdue(issue(member=member, total="1000.00"), by_days=20)
    partial = issue(total="800.00", customer_name="Karim")
    payment_record(invoice=partial, amount="300.00")
    partial = overdue(partial, by_days=3)
    paid = issue(total="500.00")
    payment_record(invoice=paid, amount="500.00")
    overdue(paid, by_days=10)
    void = issue(total="500.00")
    from core.billing.services.invoices import invoice_void

    invoice_void(invoice=void, reason="Twice")
    overdue(void, by_days=10)
    not_yet = issue(total="700.00", due_on=timezone.localdate() + days(3))
    client.force_login(support_user)
    # when
    page = client.get(DUES).content.decode()
    soon = client.get(f"{DUES}?soon=1").content.decode()
    filtered = client.get(f"{INVOICES}?due=overdue").content.decode()
    # then
    assert old.number in page and partial.number in page
    assert page.index(old.number) < page.index(partial.number)
    for absent in (paid, void, not_yet):
        assert absent.number not in page
        assert absent.number not in filtered
    assert "+8801711000000" in page
    assert "20 days late" in page
    assert "৳500.00" in page  # Karim's balance
    assert "2</strong> invoices, <strong>৳1,500.00</strong> owed" in page
    assert not_yet.number in soon and "due in 3 days" in soon


def test_dues_csv_export(client, support_user):
    # given
    invoice = overdue(issue(total="1000.00", customer_name="=HYPERLINK(evil)"), by_days=5)
    client.force_login(support_user)
    # when
    response = client.get(f"{DUES}?format=csv")
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Invoice", "Member code", "Customer"]
    assert rows[1][0] == invoice.number
    assert rows[1][2] == "'=HYPERLINK(evil)"  # never a live formula in a spreadsheet
    assert rows[1][5:] == ["5", "1000.00", "0.00", "1000.00"]


# --- class packs and credits --------------------------------------------------------


def test_selling_a_class_pack_at_the_desk_issues_its_invoice(client, support_user):
    # given
    member = make_member()
    pack = make_pack(credits=10, price="2000.00")
    client.force_login(support_user)
    # when
    response = client.post(
        f"/admin/billing/classpack/{pack.pk}/sell/", {"_apply": "1", "member_code": member.code, "quantity": "1"}
    )
    # then
    invoice = Invoice.objects.get(member=member)
    assert response.status_code == 302
    assert response.url == f"{INVOICES}{invoice.pk}/change/"
    assert invoice.lines.get().kind == InvoiceLine.Kind.CLASS_PACK
    assert invoice.total == Decimal("2000.00")


def test_a_sold_class_pack_cannot_be_deleted(client, admin_user):
    # given
    pack = make_pack()
    class_pack_buy(member=make_member(), pack=pack)
    unsold = make_pack()
    client.force_login(admin_user)
    # when
    refused = client.post(f"/admin/billing/classpack/{pack.pk}/delete/", {"post": "yes"})
    deleted = client.post(f"/admin/billing/classpack/{unsold.pk}/delete/", {"post": "yes"})
    # then
    assert refused.status_code == 200
    assert "Cannot delete" in refused.content.decode()
    assert reload(pack).pk == pack.pk
    assert deleted.status_code == 302
    assert not type(unsold).objects.filter(pk=unsold.pk).exists()


def test_credit_filter_tells_usable_from_expired(client, support_user):
    # given
    member = make_member(first_name="Usable")
    paid = class_pack_buy(member=member, pack=make_pack())
    payment_record(invoice=paid, amount=paid.total)
    stale_member = make_member(first_name="Stale")
    stale = class_pack_buy(member=stale_member, pack=make_pack())
    payment_record(invoice=stale, amount=stale.total)
    ClassCredit.objects.filter(member=stale_member).update(expires_on=timezone.localdate() - days(1))
    client.force_login(support_user)
    # when
    usable = client.get("/admin/billing/classcredit/?state=active").content.decode()
    expired = client.get("/admin/billing/classcredit/?state=expired").content.decode()
    # then
    assert member.code in usable and stale_member.code not in usable
    assert stale_member.code in expired and member.code not in expired


# --- bKash checkouts and webhook events ---------------------------------------------


def test_checkouts_with_money_taken_but_not_booked_stand_out(client, admin_user):
    # given
    invoice = issue(total="300.00")
    flagged = BkashCheckout.objects.create(
        invoice=invoice, bkash_payment_id="TR-flagged", amount=Decimal("300.00"), trx_id="TRX9",
        status=BkashCheckout.Status.COMPLETED, last_error="bKash took ৳300.00 but the invoice is void: refund it.",
    )  # fmt: skip
    BkashCheckout.objects.create(invoice=invoice, bkash_payment_id="TR-waiting", amount=Decimal("300.00"))
    client.force_login(admin_user)
    # when
    page = client.get("/admin/billing/bkashcheckout/?attention=yes").content.decode()
    # then
    assert flagged.bkash_payment_id in page
    assert "Money taken, not booked" in page
    assert "TR-waiting" not in page


def test_retry_processing_queues_unprocessed_events(client, admin_user, django_capture_on_commit_callbacks):
    # given: an event whose retries ran out, and one already processed
    stuck = WebhookEvent.objects.create(
        source="bkash", event_id="m-stuck", payload={"Type": "UnsubscribeConfirmation"}, attempts=MAX_ATTEMPTS,
        last_error="Gave up after 10 attempts. BkashError: 503",
    )  # fmt: skip
    done = WebhookEvent.objects.create(
        source="bkash", event_id="m-done", payload={"Type": "Notification"}, processed_at=timezone.now()
    )
    client.force_login(admin_user)
    # when: the queued job runs (tasks run inline in tests)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/billing/webhookevent/", {"action": "retry", "_selected_action": [stuck.pk, done.pk]}, follow=True
        )
    # then
    stuck = reload(stuck)
    assert stuck.processed_at is not None
    assert stuck.attempts == MAX_ATTEMPTS + 1
    assert "1 event(s) queued for processing." in messages_of(response)
    assert "1 event(s) were already processed; left alone." in messages_of(response)
    assert reload(done).attempts == 0


def test_support_staff_do_not_see_the_online_payment_records(client, support_user):
    client.force_login(support_user)
    menu = client.get(INVOICES).content.decode()
    assert "/admin/billing/invoice/dues/" in menu
    assert "/admin/billing/webhookevent/" not in menu
    assert "/admin/billing/bkashcheckout/" not in menu
