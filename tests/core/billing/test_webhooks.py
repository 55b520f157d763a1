"""bKash IPN through /webhooks/bkash/: verified, stored once, processed by the job."""

import datetime
import json
import threading

import pytest
from django.db import connection
from django.utils import timezone

from core.billing.models import BkashCheckout, Invoice, Payment, WebhookEvent
from core.billing.services.online import bkash_checkout_complete, bkash_checkout_start
from core.billing.services.purchases import membership_renew_invoiced
from core.billing.services.webhooks import (
    MAX_BODY_BYTES,
    retry_offset,
    webhook_event_process,
    webhook_events_retry_due,
)

URL = "/webhooks/bkash/"
CALLBACK_URL = "http://testserver/payments/bkash/callback/"


@pytest.fixture
def executed(lapsed_member, bkash_settings, sim, client) -> BkashCheckout:
    """A checkout the payer approved and bKash executed, whose browser never came back."""
    invoice = membership_renew_invoiced(member=lapsed_member()).invoice
    checkout = bkash_checkout_start(invoice=invoice, started_by=invoice.member.user, callback_url=CALLBACK_URL)
    sim.approve(checkout.bkash_payment_id)
    client.execute_payment(checkout.bkash_payment_id)
    return checkout


def post(browser, body: dict | bytes, capture=None):
    data = body if isinstance(body, bytes) else json.dumps(body)
    headers = {"HTTP_X_AMZ_SNS_MESSAGE_TYPE": "Notification"}
    if capture is None:
        return browser.post(URL, data=data, content_type="text/plain; charset=UTF-8", **headers)
    with capture(execute=True):
        return browser.post(URL, data=data, content_type="text/plain; charset=UTF-8", **headers)


def payments_of(checkout: BkashCheckout) -> list[Payment]:
    return list(Payment.objects.filter(invoice_id=checkout.invoice_id))


def test_a_completed_ipn_records_the_payment_whose_browser_never_came_back(
    executed, sim, sns_trust, browser, django_capture_on_commit_callbacks
):
    # given
    body, _pem = sim.make_ipn(executed.bkash_payment_id)

    # when
    response = post(browser, body, django_capture_on_commit_callbacks)

    # then
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert (event.source, event.event_id, event.attempts) == ("bkash", body["MessageId"], 1)
    assert event.processed_at is not None and event.last_error == ""
    (payment,) = payments_of(executed)
    assert payment.reference == sim.payment(executed.bkash_payment_id).trx_id
    assert Invoice.objects.get(pk=executed.invoice_id).status == Invoice.Status.PAID
    # bKash was asked before anything was recorded
    assert [r.endpoint for r in sim.requests()][-1] == "status"


def test_a_replayed_ipn_is_stored_once_and_records_once(
    executed, sim, sns_trust, browser, django_capture_on_commit_callbacks
):
    # given
    body, _pem = sim.make_ipn(executed.bkash_payment_id)
    post(browser, body, django_capture_on_commit_callbacks)

    # when
    again = post(browser, body, django_capture_on_commit_callbacks)

    # then
    assert again.status_code == 200
    assert WebhookEvent.objects.count() == 1
    assert len(payments_of(executed)) == 1


def test_the_ipn_and_a_late_callback_record_one_payment(
    executed, sim, sns_trust, browser, django_capture_on_commit_callbacks
):
    # given: the IPN came first (same trxID, a second SNS delivery with a new MessageId too)
    post(browser, sim.make_ipn(executed.bkash_payment_id)[0], django_capture_on_commit_callbacks)
    post(browser, sim.make_ipn(executed.bkash_payment_id)[0], django_capture_on_commit_callbacks)

    # when: the payer's browser finally comes back
    checkout = bkash_checkout_complete(bkash_payment_id=executed.bkash_payment_id, status="success")

    # then
    assert WebhookEvent.objects.count() == 2
    assert checkout.status == BkashCheckout.Status.COMPLETED
    assert len(payments_of(executed)) == 1


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body: {**body, "Message": body["Message"].replace('"Completed"', '"Completed" ')},
        lambda body: {**body, "Signature": body["Signature"][::-1]},
        lambda body: {**body, "SigningCertURL": "https://evil.example.com/cert.pem"},
        lambda body: {k: v for k, v in body.items() if k != "Signature"},
    ],
    ids=["message-changed", "signature-garbled", "foreign-certificate", "unsigned"],
)
def test_a_bad_signature_gets_403_and_nothing_is_stored(executed, sim, sns_trust, browser, tamper):
    # given
    body, _pem = sim.make_ipn(executed.bkash_payment_id)

    # when
    response = post(browser, tamper(body))

    # then
    assert response.status_code == 403
    assert not WebhookEvent.objects.exists()
    assert payments_of(executed) == []


def test_an_ipn_from_another_sns_topic_is_refused(executed, sim, sns_trust, browser, settings):
    settings.BKASH_IPN_TOPIC_ARNS = ["arn:aws:sns:ap-southeast-1:999999999999:bkash-real"]
    response = post(browser, sim.make_ipn(executed.bkash_payment_id)[0])
    assert response.status_code == 403
    assert not WebhookEvent.objects.exists()


def test_an_unreachable_signing_certificate_gets_503_so_sns_retries(executed, sim, browser, monkeypatch):
    # given: AWS cannot be reached to fetch the certificate the IPN names
    from urllib.error import URLError

    from core.billing.services import webhooks

    def unreachable(url):
        raise URLError("Temporary failure in name resolution")

    monkeypatch.setattr(webhooks, "fetch_certificate_https", unreachable)
    body, _pem = sim.make_ipn(executed.bkash_payment_id)
    # when
    response = post(browser, body)
    # then: not a 500, not a final refusal; nothing stored until it can be verified
    assert response.status_code == 503
    assert "try again later" in response.content.decode()
    assert not WebhookEvent.objects.exists()


def test_bad_requests(db, browser, sns_trust):
    assert browser.get(URL).status_code == 405
    assert post(browser, b"not json").status_code == 400
    assert post(browser, b"{" + b" " * MAX_BODY_BYTES + b"}").status_code == 413
    assert not WebhookEvent.objects.exists()


def test_a_subscription_confirmation_is_stored_and_confirmed(
    executed, sim, sns_trust, browser, django_capture_on_commit_callbacks
):
    # given
    body, _pem = sim.make_ipn(executed.bkash_payment_id, message_type="SubscriptionConfirmation")

    # when
    response = post(browser, body, django_capture_on_commit_callbacks)

    # then
    assert response.status_code == 200
    assert sns_trust == [body["SubscribeURL"]]
    assert WebhookEvent.objects.get().processed_at is not None


@pytest.mark.parametrize("status", ["Initiated", "Failed", "Cancelled"])
def test_ipns_that_are_not_completions_change_nothing(
    executed, sim, sns_trust, browser, django_capture_on_commit_callbacks, status
):
    body, _pem = sim.make_ipn(executed.bkash_payment_id, message={"transactionStatus": status})
    post(browser, body, django_capture_on_commit_callbacks)
    assert WebhookEvent.objects.get().processed_at is not None
    assert payments_of(executed) == []
    assert BkashCheckout.objects.get(pk=executed.pk).status == BkashCheckout.Status.INITIATED


def test_an_ipn_for_a_transaction_bkash_does_not_know_is_noted_not_recorded(
    executed, sim, sns_trust, browser, django_capture_on_commit_callbacks
):
    # given: a signed IPN whose trxID matches none of our checkouts at bKash
    body, _pem = sim.make_ipn(executed.bkash_payment_id, message={"trxID": "NOSUCHTRX1"})

    # when
    post(browser, body, django_capture_on_commit_callbacks)

    # then
    event = WebhookEvent.objects.get()
    assert event.processed_at is not None and "knows no transaction NOSUCHTRX1" in event.last_error
    assert payments_of(executed) == []


def test_processing_is_retried_with_backoff_while_bkash_is_down(
    executed, sim, sns_trust, browser, django_capture_on_commit_callbacks
):
    # given: bKash is down when the IPN arrives
    sim.scenario.maintenance = True
    post(browser, sim.make_ipn(executed.bkash_payment_id)[0], django_capture_on_commit_callbacks)
    event = WebhookEvent.objects.get()
    assert (event.attempts, event.processed_at) == (1, None)
    assert "503" in event.last_error

    # when: the sweep runs before and after the first retry is due, bKash back up
    sim.scenario.maintenance = False
    with django_capture_on_commit_callbacks(execute=True):
        too_soon = webhook_events_retry_due(now=event.received_at + datetime.timedelta(seconds=59))
    with django_capture_on_commit_callbacks(execute=True):
        due = webhook_events_retry_due(now=event.received_at + retry_offset(1))

    # then
    event.refresh_from_db()
    assert (too_soon, due) == (0, 1)
    assert event.attempts == 2 and event.processed_at is not None
    assert len(payments_of(executed)) == 1


def test_retry_gaps_grow():
    assert [retry_offset(n).total_seconds() / 60 for n in range(5)] == [0, 1, 3, 7, 15]


def test_processing_a_processed_event_does_nothing(
    executed, sim, sns_trust, browser, django_capture_on_commit_callbacks
):
    # given
    post(browser, sim.make_ipn(executed.bkash_payment_id)[0], django_capture_on_commit_callbacks)
    event = WebhookEvent.objects.get()
    calls = len(sim.requests())

    # when
    webhook_event_process(event_id=event.pk)

    # then
    event.refresh_from_db()
    assert event.attempts == 1
    assert len(sim.requests()) == calls


@pytest.mark.django_db(transaction=True)
def test_ipn_and_callback_racing_record_once(lapsed_member, bkash_settings, sim, client, sns_trust):
    # given: executed at bKash; an IPN stored; the callback about to arrive
    invoice = membership_renew_invoiced(member=lapsed_member()).invoice
    checkout = bkash_checkout_start(invoice=invoice, started_by=invoice.member.user, callback_url=CALLBACK_URL)
    sim.approve(checkout.bkash_payment_id)
    client.execute_payment(checkout.bkash_payment_id)
    body, _pem = sim.make_ipn(checkout.bkash_payment_id)
    event = WebhookEvent.objects.create(source="bkash", event_id=body["MessageId"], payload=body)
    barrier = threading.Barrier(2, timeout=10)
    errors = []

    def run(work):
        try:
            barrier.wait()
            work()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    # when
    threads = [
        threading.Thread(target=run, args=(lambda: webhook_event_process(event_id=event.pk),)),
        threading.Thread(
            target=run,
            args=(lambda: bkash_checkout_complete(bkash_payment_id=checkout.bkash_payment_id, status="success"),),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then
    assert errors == []
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert BkashCheckout.objects.get(pk=checkout.pk).payment_id is not None
    assert WebhookEvent.objects.get(pk=event.pk).processed_at <= timezone.now()
