"""The member's billing pages and the bKash round trip, through the portal
views with the test client and the bKash simulator over loopback."""

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from core.billing.gateways.bkash_simulator import BkashSimulator
from core.billing.models import BkashCheckout, ClassPack, Invoice, Payment
from core.billing.services.payments import payment_record
from core.billing.services.purchases import membership_renew_invoiced
from core.members.models import Member
from core.notifications.models import Message
from tests.core.billing.conftest import APP_KEY, APP_SECRET, PASSWORD, USERNAME, make_portal_member, point_settings_at
from tests.core.members.builders import make_member, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": None},
        },
    }


@pytest.fixture
def sim(settings):
    with BkashSimulator(username=USERNAME, password=PASSWORD, app_key=APP_KEY, app_secret=APP_SECRET) as running:
        point_settings_at(settings, running)
        yield running


@pytest.fixture
def new_member(db):
    """new_member(first_name) -> a portal member whose membership lapsed 10 days ago."""
    plan = make_plan(name="Monthly", price="2000.00")
    return lambda first_name: make_portal_member(plan, first_name=first_name)


@pytest.fixture
def rafi(new_member, client):
    member = new_member("Rafi")
    client.force_login(member.user)
    return member


def renew(client, capture) -> str:
    """Click "Renew with bKash"; returns where the client was sent."""
    with capture(execute=True):
        response = client.post("/portal/renew/")
    assert response.status_code == 302
    return response.url


def payment_id_of(bkash_url: str) -> str:
    return parse_qs(urlsplit(bkash_url).query)["paymentId"][0]


def come_back(client, capture, callback_url: str):
    with capture(execute=True):
        return client.get(callback_url)


# --- the round trip -------------------------------------------------------------------


def test_full_renewal_pays_the_invoice_and_sends_one_receipt(
    rafi, client, sim, django_capture_on_commit_callbacks, mailoutbox
):
    # given: a lapsed member
    assert Member.objects.get(pk=rafi.pk).status == Member.Status.INACTIVE

    # when: they renew, pay on bKash's page and come back
    bkash_url = renew(client, django_capture_on_commit_callbacks)
    invoice = Invoice.objects.get(member=rafi)
    assert bkash_url.startswith(sim.root_url + "/checkout/")
    (sim_payment,) = sim.payments()
    assert (sim_payment.amount, sim_payment.invoice_number) == (invoice.total, invoice.number)
    page = come_back(client, django_capture_on_commit_callbacks, sim.approve(sim_payment.payment_id))

    # then
    (payment,) = Payment.objects.filter(invoice=invoice)
    sim_payment = sim.payment(sim_payment.payment_id)
    assert (payment.method, payment.reference, payment.amount) == (
        Payment.Method.BKASH,
        sim_payment.trx_id,
        invoice.total,
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert Member.objects.get(pk=rafi.pk).status == Member.Status.ACTIVE
    assert page.status_code == 200
    body = page.content.decode()
    assert "Payment received" in body and payment.receipt_number in body and sim_payment.trx_id in body
    assert Message.objects.filter(dedupe_key=f"receipt:{payment.pk}").count() == 1
    receipts = [m for m in mailoutbox if payment.receipt_number in m.subject + m.body]
    assert len(receipts) == 1
    assert any(name == f"{payment.receipt_number}.pdf" for name, _content, _type in receipts[0].attachments)


def test_a_repeated_callback_changes_nothing(rafi, client, sim, django_capture_on_commit_callbacks):
    # given: a completed payment
    payment_id = payment_id_of(renew(client, django_capture_on_commit_callbacks))
    callback = sim.approve(payment_id)
    come_back(client, django_capture_on_commit_callbacks, callback)

    # when: the client comes back again (refresh, back button, replay)
    again = come_back(client, django_capture_on_commit_callbacks, callback)

    # then
    assert again.status_code == 200 and "Payment received" in again.content.decode()
    assert Payment.objects.filter(invoice__member=rafi).count() == 1
    assert len(sim.requests("execute")) == 1
    assert Message.objects.filter(template="payment_receipt").count() == 1


def test_cancel_on_bkash_records_nothing(rafi, client, sim, django_capture_on_commit_callbacks):
    # given
    payment_id = payment_id_of(renew(client, django_capture_on_commit_callbacks))

    # when
    page = come_back(client, django_capture_on_commit_callbacks, sim.cancel(payment_id))

    # then
    assert "Payment cancelled" in page.content.decode()
    assert BkashCheckout.objects.get(bkash_payment_id=payment_id).status == BkashCheckout.Status.CANCELLED
    assert not Payment.objects.exists()
    assert Invoice.objects.get(member=rafi).status == Invoice.Status.ISSUED
    assert sim.requests("execute") == []


def test_failure_on_bkash_records_nothing(rafi, client, sim, django_capture_on_commit_callbacks):
    # given
    payment_id = payment_id_of(renew(client, django_capture_on_commit_callbacks))

    # when
    page = come_back(client, django_capture_on_commit_callbacks, sim.fail(payment_id))

    # then
    assert "Payment not completed" in page.content.decode()
    assert BkashCheckout.objects.get(bkash_payment_id=payment_id).status == BkashCheckout.Status.FAILED
    assert not Payment.objects.exists()


def test_insufficient_balance_fails_with_a_clear_message(rafi, client, sim, django_capture_on_commit_callbacks):
    # given
    payment_id = payment_id_of(renew(client, django_capture_on_commit_callbacks))
    sim.scenario.insufficient_balance = True

    # when
    page = come_back(client, django_capture_on_commit_callbacks, sim.approve(payment_id))

    # then
    assert "does not have enough balance" in page.content.decode()
    assert BkashCheckout.objects.get(bkash_payment_id=payment_id).status == BkashCheckout.Status.FAILED
    assert not Payment.objects.exists()


def test_bkash_maintenance_at_start_sends_the_member_back_with_the_reason(
    rafi, client, sim, django_capture_on_commit_callbacks
):
    # given
    sim.scenario.maintenance = True

    # when
    target = renew(client, django_capture_on_commit_callbacks)

    # then: back to the invoice, nothing waiting on bKash
    invoice = Invoice.objects.get(member=rafi)
    assert target == f"/portal/invoices/{invoice.number}/"
    assert "under maintenance" in client.get(target).content.decode()
    assert not BkashCheckout.objects.filter(status=BkashCheckout.Status.INITIATED).exists()


def test_a_double_clicked_pay_button_creates_one_bkash_payment(rafi, client, sim, django_capture_on_commit_callbacks):
    # given: an open invoice
    renew(client, django_capture_on_commit_callbacks)
    invoice = Invoice.objects.get(member=rafi)
    creates_before = len(sim.requests("create"))

    # when: two clicks on "Pay with bKash"
    first = client.post(f"/portal/invoices/{invoice.number}/pay/")
    second = client.post(f"/portal/invoices/{invoice.number}/pay/")

    # then: the same bKash page, no new payment at bKash
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert len(sim.requests("create")) == creates_before
    assert BkashCheckout.objects.filter(invoice=invoice).count() == 1


def test_a_foreign_payment_id_is_booked_to_its_own_invoice(
    rafi, new_member, client, sim, django_capture_on_commit_callbacks
):
    # given: Nadia started a payment in her browser; Rafi has an open renewal of his own
    nadia = new_member("Nadia")
    nadia_browser = Client()
    nadia_browser.force_login(nadia.user)
    nadia_payment = payment_id_of(renew(nadia_browser, django_capture_on_commit_callbacks))
    renew(client, django_capture_on_commit_callbacks)

    # when: Nadia's callback arrives in Rafi's session
    page = come_back(client, django_capture_on_commit_callbacks, sim.approve(nadia_payment))

    # then: Nadia's invoice is paid, Rafi's is not, and Rafi sees no receipt of hers
    assert Invoice.objects.get(member=nadia).status == Invoice.Status.PAID
    assert Invoice.objects.get(member=rafi).status == Invoice.Status.ISSUED
    assert not Payment.objects.filter(invoice__member=rafi).exists()
    body = page.content.decode()
    receipt = Payment.objects.get(invoice__member=nadia).receipt_number
    assert "Payment received" in body and receipt not in body


def test_an_unknown_payment_id_gets_a_clear_404(rafi, client):
    response = client.get("/payments/bkash/callback/?paymentID=TR0011NOSUCHTHING&status=success&amount=1")
    assert response.status_code == 404
    assert "no record of this bKash payment" in response.content.decode()


def test_buying_a_class_pack_twice_quickly_bills_once(rafi, client, sim, django_capture_on_commit_callbacks):
    # given
    pack = ClassPack.objects.create(name="Ten classes", credits=10, price=Decimal("3000.00"), validity_days=60)
    assert pack.name in client.get("/portal/class-packs/").content.decode()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"/portal/class-packs/{pack.pk}/buy/")
        second = client.post(f"/portal/class-packs/{pack.pk}/buy/")

    # then
    assert first.url == second.url and first.url.startswith(sim.root_url)
    assert Invoice.objects.filter(member=rafi, lines__class_pack=pack).count() == 1
    assert len(sim.requests("create")) == 1


# --- pages ---------------------------------------------------------------------------


@pytest.fixture
def two_members_with_paid_invoices(new_member, django_capture_on_commit_callbacks):
    """Rafi and Nadia each with a renewal invoice paid in cash (receipt rendered by the job)."""
    members = {}
    for name in ("Rafi", "Nadia"):
        member = new_member(name)
        with django_capture_on_commit_callbacks(execute=True):
            invoice = membership_renew_invoiced(member=member).invoice
            payment = payment_record(invoice=invoice, amount=Decimal("500.00"))
        members[name] = (member, invoice, payment)
    return members


def test_my_invoices_list_and_detail(client, two_members_with_paid_invoices):
    # given
    member, invoice, payment = two_members_with_paid_invoices["Rafi"]
    _other, other_invoice, _ = two_members_with_paid_invoices["Nadia"]
    client.force_login(member.user)

    # when
    listing = client.get("/portal/invoices/").content.decode()
    detail = client.get(f"/portal/invoices/{invoice.number}/").content.decode()

    # then
    assert invoice.number in listing and other_invoice.number not in listing
    assert "৳1,500.00" in listing  # the balance
    assert payment.receipt_number in detail and "Pay ৳1,500.00 with bKash" in detail
    assert client.get(f"/portal/invoices/{other_invoice.number}/").status_code == 404


def test_members_download_their_own_pdfs_only(client, two_members_with_paid_invoices):
    # given
    member, invoice, payment = two_members_with_paid_invoices["Rafi"]
    _other, other_invoice, other_payment = two_members_with_paid_invoices["Nadia"]
    client.force_login(member.user)

    # when
    own_invoice = client.get(f"/portal/invoices/{invoice.number}/pdf/")
    own_receipt = client.get(f"/portal/receipts/{payment.receipt_number}/pdf/")

    # then
    for response in (own_invoice, own_receipt):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(f"/portal/invoices/{other_invoice.number}/pdf/").status_code == 404
    assert client.get(f"/portal/receipts/{other_payment.receipt_number}/pdf/").status_code == 404


def test_a_missing_pdf_is_rendered_on_demand(client, two_members_with_paid_invoices):
    # given: the receipt file was lost from storage
    member, _invoice, payment = two_members_with_paid_invoices["Rafi"]
    payment.refresh_from_db()
    payment.receipt_pdf.storage.delete(payment.receipt_pdf.name)
    client.force_login(member.user)

    # when
    response = client.get(f"/portal/receipts/{payment.receipt_number}/pdf/")

    # then
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize(
    "path",
    ["/portal/invoices/", "/portal/invoices/INV-2026-000001/", "/portal/invoices/INV-2026-000001/pdf/",
     "/portal/receipts/RCT-2026-000001/pdf/", "/portal/class-packs/"],
)  # fmt: skip
def test_anonymous_people_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")


def test_staff_and_trainers_get_403_on_member_billing_pages(client, support_user, trainer_user):
    for user in (support_user, trainer_user):
        client.force_login(user)
        assert client.get("/portal/invoices/").status_code == 403


def test_state_changes_are_post_only(rafi, client):
    assert client.get("/portal/renew/").status_code == 405
    assert client.get("/portal/invoices/INV-2026-000001/pay/").status_code == 405
    assert client.get("/portal/class-packs/1/buy/").status_code == 405


def test_renewing_without_any_membership_explains_what_to_do(client):
    # given: a member who never had a membership
    member = make_member(first_name="New")
    member.user.must_change_password = False
    member.user.save(update_fields=["must_change_password"])
    client.force_login(member.user)

    # when
    response = client.post("/portal/renew/", follow=True)

    # then
    assert "no membership to renew yet" in response.content.decode()
    assert not Invoice.objects.filter(member=member).exists()
