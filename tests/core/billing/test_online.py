"""bKash online payments: start and complete a checkout against the simulator."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from core.billing.models import BkashCheckout, Invoice, Payment
from core.billing.services.bkash_reconcile import bkash_checkouts_reconcile
from core.billing.services.bkash_settle import PENDING_PREFIX
from core.billing.services.online import bkash_checkout_complete, bkash_checkout_start
from core.billing.services.payments import payment_record
from core.billing.services.purchases import membership_renew_invoiced
from core.common.models import AuditEvent

CALLBACK_URL = "http://testserver/payments/bkash/callback/"


@pytest.fixture
def invoice(lapsed_member, bkash_settings) -> Invoice:
    member = lapsed_member()
    return membership_renew_invoiced(member=member).invoice


def start(invoice: Invoice) -> BkashCheckout:
    return bkash_checkout_start(invoice=invoice, started_by=invoice.member.user, callback_url=CALLBACK_URL)


def paid(invoice: Invoice) -> list[Payment]:
    return list(Payment.objects.filter(invoice=invoice))


# --- start ------------------------------------------------------------------------


def test_start_asks_bkash_for_the_balance_of_the_invoice(invoice, sim):
    # given: part paid at the desk
    payment_record(invoice=invoice, amount=Decimal("500.00"))

    # when
    checkout = start(invoice)

    # then
    (sim_payment,) = sim.payments()
    assert checkout.bkash_payment_id == sim_payment.payment_id
    assert checkout.amount == sim_payment.amount == Decimal("1500.00")
    assert checkout.bkash_url.startswith(sim.root_url + "/checkout/?paymentId=" + sim_payment.payment_id)
    assert sim_payment.callback_url == CALLBACK_URL
    assert sim_payment.payer_reference == "01712345678"
    assert AuditEvent.objects.filter(action="bkash.checkout_started", object_id=str(checkout.pk)).exists()


def test_only_the_invoice_member_can_start_paying_it(invoice, lapsed_member):
    other = lapsed_member("Other")
    with pytest.raises(ValidationError, match="Only the member this invoice belongs to"):
        bkash_checkout_start(invoice=invoice, started_by=other.user, callback_url=CALLBACK_URL)


def test_a_paid_invoice_cannot_be_paid_again(invoice, sim):
    payment_record(invoice=invoice, amount=invoice.total)
    with pytest.raises(ValidationError, match="nothing to pay"):
        start(invoice)
    assert sim.requests("create") == []


def test_a_new_balance_gets_a_new_checkout(invoice, sim):
    # given: a checkout for the whole amount, then cash at the desk
    first = start(invoice)
    payment_record(invoice=invoice, amount=Decimal("500.00"))

    # when
    second = start(invoice)

    # then
    assert second.pk != first.pk and second.amount == Decimal("1500.00")
    assert len(sim.requests("create")) == 2


def test_a_checkout_whose_start_never_finished_is_replaced(invoice, sim):
    # given: a start that died between reserving the row and hearing from bKash
    stuck = BkashCheckout.objects.create(
        invoice=invoice, bkash_payment_id=PENDING_PREFIX + "x", amount=invoice.total, started_by=invoice.member.user
    )
    BkashCheckout.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=2))

    # when
    checkout = start(invoice)

    # then
    stuck.refresh_from_db()
    assert stuck.status == BkashCheckout.Status.FAILED
    assert checkout.pk != stuck.pk and checkout.bkash_url


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_clicks_create_one_bkash_payment(lapsed_member, bkash_settings, sim):
    # given
    invoice = membership_renew_invoiced(member=lapsed_member()).invoice
    barrier = threading.Barrier(2, timeout=10)
    results, errors = [], []

    def click():
        try:
            barrier.wait()
            results.append(start(invoice))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then
    assert errors == []
    assert len(results) == 2 and results[0].pk == results[1].pk
    assert results[0].bkash_url == results[1].bkash_url
    assert len(sim.requests("create")) == 1


# --- complete ---------------------------------------------------------------------


def test_execute_timeout_falls_back_to_the_status_query(invoice, sim, settings):
    # given: bKash completes the execute but answers after our timeout
    checkout = start(invoice)
    sim.approve(checkout.bkash_payment_id)
    settings.BKASH_TIMEOUT = 0.5
    sim.scenario.execute_delay = 2.0

    # when
    checkout = bkash_checkout_complete(bkash_payment_id=checkout.bkash_payment_id, status="success")

    # then
    sim_payment = sim.payment(checkout.bkash_payment_id)
    assert checkout.status == BkashCheckout.Status.COMPLETED
    assert [p.reference for p in paid(invoice)] == [sim_payment.trx_id]
    assert [r.status_code for r in sim.requests("status")] == ["0000"]


def test_a_replayed_success_callback_returns_the_same_payment(invoice, sim):
    # given
    checkout = start(invoice)
    sim.approve(checkout.bkash_payment_id)
    first = bkash_checkout_complete(bkash_payment_id=checkout.bkash_payment_id, status="success")

    # when
    again = bkash_checkout_complete(bkash_payment_id=checkout.bkash_payment_id, status="success")
    cancel_after = bkash_checkout_complete(bkash_payment_id=checkout.bkash_payment_id, status="cancel")

    # then
    assert first.payment_id == again.payment_id == cancel_after.payment_id is not None
    assert cancel_after.status == BkashCheckout.Status.COMPLETED
    assert len(paid(invoice)) == 1


def test_an_execute_already_done_elsewhere_is_queried_and_recorded_once(invoice, sim, client):
    # given: our first callback executed at bKash, then died before recording
    checkout = start(invoice)
    sim.approve(checkout.bkash_payment_id)
    client.execute_payment(checkout.bkash_payment_id)

    # when: the browser comes back again
    checkout = bkash_checkout_complete(bkash_payment_id=checkout.bkash_payment_id, status="success")

    # then: execute said "already completed" (2062), the status query decided
    assert checkout.status == BkashCheckout.Status.COMPLETED
    assert [r.status_code for r in sim.requests("execute")] == ["0000", "2062"]
    assert len(paid(invoice)) == 1


def test_bkash_maintenance_at_execute_fails_with_nothing_recorded(invoice, sim):
    # given
    checkout = start(invoice)
    sim.approve(checkout.bkash_payment_id)
    sim.scenario.maintenance = True

    # when
    checkout = bkash_checkout_complete(bkash_payment_id=checkout.bkash_payment_id, status="success")

    # then
    assert checkout.status == BkashCheckout.Status.FAILED
    assert "maintenance" in checkout.last_error
    assert paid(invoice) == []


@pytest.mark.parametrize("payment_id", ["", "TR0011UNKNOWN", PENDING_PREFIX + "abc"])
def test_an_unknown_payment_id_is_refused(invoice, payment_id):
    with pytest.raises(ValidationError, match="no record of this bKash payment"):
        bkash_checkout_complete(bkash_payment_id=payment_id, status="success")


def test_an_invoice_paid_meanwhile_is_not_charged_again(invoice, sim):
    # given: the member approved, then paid the whole amount at the desk
    checkout = start(invoice)
    sim.approve(checkout.bkash_payment_id)
    payment_record(invoice=invoice, amount=invoice.total)

    # when
    checkout = bkash_checkout_complete(bkash_payment_id=checkout.bkash_payment_id, status="success")

    # then: bKash was never asked to take the money
    assert checkout.status == BkashCheckout.Status.FAILED
    assert "nothing was taken" in checkout.last_error
    assert sim.requests("execute") == []
    assert [p.method for p in paid(invoice)] == [Payment.Method.CASH]


def test_money_taken_beyond_the_balance_is_flagged_for_staff(invoice, sim, client):
    # given: executed at bKash (answer lost), then cash at the desk for part of it
    checkout = start(invoice)
    sim.approve(checkout.bkash_payment_id)
    client.execute_payment(checkout.bkash_payment_id)
    payment_record(invoice=invoice, amount=Decimal("500.00"))

    # when
    checkout = bkash_checkout_complete(bkash_payment_id=checkout.bkash_payment_id, status="success")

    # then: nothing booked automatically, and staff can see why
    trx_id = sim.payment(checkout.bkash_payment_id).trx_id
    assert checkout.status == BkashCheckout.Status.COMPLETED and checkout.payment is None
    assert checkout.trx_id == trx_id and "refund" in checkout.last_error
    assert AuditEvent.objects.filter(action="bkash.needs_attention", object_id=str(checkout.pk)).count() == 1
    assert [p.method for p in paid(invoice)] == [Payment.Method.CASH]


def test_a_different_amount_reported_by_bkash_is_recorded_when_it_fits(invoice, sim, client):
    # given: our row says 1,500 but bKash was asked for (and took) 2,000
    checkout = start(invoice)
    BkashCheckout.objects.filter(pk=checkout.pk).update(amount=Decimal("1500.00"))
    sim.approve(checkout.bkash_payment_id)
    client.execute_payment(checkout.bkash_payment_id)

    # when
    checkout = bkash_checkout_complete(bkash_payment_id=checkout.bkash_payment_id, status="success")

    # then: what bKash took is what is booked, with a note
    (payment,) = paid(invoice)
    assert payment.amount == Decimal("2000.00")
    assert "instead of" in checkout.last_error


# --- the sweep --------------------------------------------------------------------


def test_the_sweep_records_a_payment_whose_payer_never_came_back(invoice, sim, client):
    # given: executed at bKash, no callback, no IPN
    checkout = start(invoice)
    sim.approve(checkout.bkash_payment_id)
    client.execute_payment(checkout.bkash_payment_id)

    # when
    counts = bkash_checkouts_reconcile(now=timezone.now() + datetime.timedelta(minutes=11))

    # then
    assert counts == {"completed": 1}
    assert len(paid(invoice)) == 1


def test_the_sweep_closes_cancelled_and_day_old_checkouts(lapsed_member, bkash_settings, sim):
    # given: one cancelled on bKash's page without coming back, one left waiting
    cancelled = start(membership_renew_invoiced(member=lapsed_member("A")).invoice)
    sim.cancel(cancelled.bkash_payment_id)
    waiting = start(membership_renew_invoiced(member=lapsed_member("B")).invoice)

    # when: a minute after the day
    counts = bkash_checkouts_reconcile(now=timezone.now() + datetime.timedelta(days=1, minutes=1))

    # then
    cancelled.refresh_from_db()
    waiting.refresh_from_db()
    assert counts == {"cancelled": 1, "failed": 1}
    assert cancelled.status == BkashCheckout.Status.CANCELLED
    assert waiting.status == BkashCheckout.Status.FAILED and "expired" in waiting.last_error
    assert sim.requests("execute") == []


def test_the_simulator_command_serves_and_stops(capsys):
    # when
    call_command("bkash_simulator", port=0, duration=0.1)

    # then
    out = capsys.readouterr().out
    assert "bKash simulator at http://127.0.0.1:" in out and "stopped" in out
