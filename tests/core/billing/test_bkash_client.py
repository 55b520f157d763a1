import logging
import socket
import uuid
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache.backends.locmem import LocMemCache

from core.billing.gateways.bkash import BkashAuthError, BkashClient, BkashError, BkashTimeout, format_amount
from tests.core.billing.conftest import APP_KEY, APP_SECRET, CALLBACK, PASSWORD, USERNAME


def callback_query(url: str) -> dict:
    assert url.startswith(CALLBACK)
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# --- token -------------------------------------------------------------------------


def test_the_token_is_granted_once_and_reused(sim, client, create):
    # when
    create()
    create()

    # then
    assert len(sim.requests("grant")) == 1
    first, second = sim.requests("create")
    assert first.authorization == second.authorization != ""


def test_an_expired_token_is_renewed_with_the_refresh_token(sim, make_client, create):
    # given: a client whose clock we move past the token's hour
    now = [1_000_000.0]
    api = make_client(clock=lambda: now[0])
    create(api=api)

    # when
    now[0] += 3600
    create(api=api)

    # then
    assert len(sim.requests("grant")) == 1
    assert len(sim.requests("refresh")) == 1
    first, second = sim.requests("create")
    assert first.authorization != second.authorization
    assert all(r.status_code == "0000" for r in sim.requests())


def test_a_refused_refresh_falls_back_to_a_new_grant(sim, make_client, create):
    # given
    now = [1_000_000.0]
    api = make_client(clock=lambda: now[0])
    create(api=api)
    sim.revoke_tokens()  # bKash forgets both tokens

    # when
    now[0] += 3600
    payment = create(api=api)

    # then
    assert payment.payment_id
    assert [r.status_code for r in sim.requests("refresh")] == ["Unauthorized"]
    assert len(sim.requests("grant")) == 2


def test_unauthorized_is_retried_once_with_a_fresh_grant(sim, client, create):
    # given
    create()
    sim.revoke_tokens()

    # when
    payment = create()

    # then
    assert payment.payment_id
    assert [r.status_code for r in sim.requests("create")] == ["0000", "Unauthorized", "0000"]
    assert len(sim.requests("grant")) == 2


def test_wrong_merchant_credentials_fail_once_with_a_clear_message(sim, make_client, create):
    # given
    api = make_client(password="not-the-password")

    # when
    with pytest.raises(BkashAuthError) as caught:
        create(api=api)

    # then
    assert caught.value.code == "unauthorized"
    assert "BKASH_PASSWORD" in caught.value.message
    assert len(sim.requests("grant")) == 1  # no retry loop on a bad password
    assert sim.requests("create") == []


def test_credentials_bkash_rejects_anyway_fail_too(sim, client, create):
    # given
    sim.scenario.reject_credentials = True

    # when / then
    with pytest.raises(BkashAuthError):
        create()


def test_a_wrong_app_key_is_named(make_client, create):
    with pytest.raises(BkashError) as caught:
        create(api=make_client(app_key="wrong"))
    assert caught.value.code == "2001"
    assert "BKASH_APP_KEY" in caught.value.message


# --- checkout ------------------------------------------------------------------------


def test_create_approve_execute_completes_with_a_trx_id(sim, client, create):
    # given
    created = create("1250.5")
    assert created.transaction_status == "Initiated"
    assert sim.requests("create")[0].body["amount"] == "1250.50"

    # when
    redirect = sim.approve(created.payment_id)
    result = client.execute_payment(created.payment_id)

    # then
    assert callback_query(redirect) == {"paymentID": created.payment_id, "status": "success"}
    assert result.is_completed
    assert (result.payment_id, result.amount) == (created.payment_id, Decimal("1250.50"))
    assert result.invoice_number == created.invoice_number
    status = client.query_payment(created.payment_id)
    assert (status.transaction_status, status.trx_id) == ("Completed", result.trx_id)
    assert status.invoice_number == created.invoice_number
    assert sim.payment(created.payment_id).state == "COMPLETED"


def test_trx_ids_are_unique(sim, client, create):
    trx_ids = set()
    for _ in range(5):
        created = create()
        sim.approve(created.payment_id)
        trx_ids.add(client.execute_payment(created.payment_id).trx_id)
    assert len(trx_ids) == 5


def test_a_cancelled_payment_cannot_be_executed(sim, client, create):
    # given
    created = create()
    redirect = sim.cancel(created.payment_id)

    # when
    with pytest.raises(BkashError) as caught:
        client.execute_payment(created.payment_id)

    # then
    assert callback_query(redirect)["status"] == "cancel"
    assert caught.value.code == "2056"
    assert client.query_payment(created.payment_id).transaction_status == "Cancelled"


def test_execute_before_the_payer_approved_is_refused(client, create):
    # given
    created = create()

    # when
    with pytest.raises(BkashError) as caught:
        client.execute_payment(created.payment_id)

    # then
    assert caught.value.code == "2056"
    status = client.query_payment(created.payment_id)
    assert (status.transaction_status, status.trx_id, status.is_completed) == ("Initiated", None, False)


def test_executing_twice_says_already_completed(sim, client, create):
    # given
    created = create()
    sim.approve(created.payment_id)
    first = client.execute_payment(created.payment_id)

    # when
    with pytest.raises(BkashError) as caught:
        client.execute_payment(created.payment_id)

    # then
    assert caught.value.code == "2062"
    assert caught.value.already_completed
    assert client.query_payment(created.payment_id).trx_id == first.trx_id


def test_insufficient_balance_fails_the_payment(sim, client, create):
    # given
    created = create()
    sim.approve(created.payment_id)
    sim.scenario.insufficient_balance = True

    # when
    with pytest.raises(BkashError) as caught:
        client.execute_payment(created.payment_id)

    # then
    assert caught.value.code == "2023"
    assert "enough balance" in caught.value.message
    assert not caught.value.outcome_unknown
    assert client.query_payment(created.payment_id).transaction_status == "Failed"


def test_maintenance_is_reported_as_503(sim, client, create):
    # given
    sim.scenario.maintenance = True

    # when
    with pytest.raises(BkashError) as caught:
        create()

    # then
    assert (caught.value.code, caught.value.http_status) == ("503", 503)
    assert "maintenance" in caught.value.message


def test_an_execute_timeout_is_resolved_by_a_status_query(sim, make_client, create):
    # given: bKash completes the payment but answers long after the client gives up
    api = make_client(timeout=0.3)
    created = create(api=api)
    sim.approve(created.payment_id)
    sim.scenario.execute_delay = 5

    # when
    with pytest.raises(BkashTimeout) as caught:
        api.execute_payment(created.payment_id)

    # then
    assert caught.value.outcome_unknown
    status = api.query_payment(created.payment_id)
    assert status.is_completed
    assert status.trx_id == sim.payment(created.payment_id).trx_id
    with pytest.raises(BkashError) as again:  # executing again is not the way out
        api.execute_payment(created.payment_id)
    assert again.value.code == "2117"


def test_search_and_partial_refunds(sim, client, create):
    # given
    created = create("500.00")
    sim.approve(created.payment_id, msisdn="01811111111")
    paid = client.execute_payment(created.payment_id)

    # when
    found = client.search_transaction(paid.trx_id)
    refund = client.refund(
        payment_id=created.payment_id, trx_id=paid.trx_id, amount=Decimal("200"), reason="Double booking", sku="PACK-5"
    )

    # then
    assert (found.trx_id, found.transaction_status, found.amount) == (paid.trx_id, "Completed", Decimal("500.00"))
    assert found.customer_msisdn == "01811111111"
    assert (refund.original_trx_id, refund.amount, refund.transaction_status) == (
        paid.trx_id,
        Decimal("200.00"),
        "Completed",
    )
    assert refund.refund_trx_id and refund.refund_trx_id != paid.trx_id
    with pytest.raises(BkashError) as caught:  # only 300.00 is left to refund
        client.refund(payment_id=created.payment_id, trx_id=paid.trx_id, amount=Decimal("300.01"), reason="x", sku="y")
    assert caught.value.code == "2026"


def test_searching_an_unknown_transaction_is_an_error(client):
    with pytest.raises(BkashError) as caught:
        client.search_transaction("NOSUCHTRX1")
    assert caught.value.code == "2033"


def test_an_unreachable_bkash_is_not_a_timeout(make_client, create):
    # given: a port nobody listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api = make_client(base_url=f"http://127.0.0.1:{port}/v1.2.0-beta")

    # when
    with pytest.raises(BkashError) as caught:
        create(api=api)

    # then
    assert caught.value.code == "unreachable"
    assert not isinstance(caught.value, BkashTimeout)


def test_secrets_never_reach_the_log(sim, client, create, caplog):
    # given
    caplog.set_level(logging.DEBUG)

    # when
    created = create()
    sim.approve(created.payment_id)
    client.execute_payment(created.payment_id)
    sim.revoke_tokens()
    with pytest.raises(BkashError):
        client.execute_payment(created.payment_id)

    # then
    tokens = {r.authorization for r in sim.requests()} - {""}
    assert tokens
    for secret in (PASSWORD, APP_SECRET, *tokens):
        assert secret not in caplog.text
        assert secret not in repr(client)


# --- amounts -------------------------------------------------------------------------


@pytest.mark.parametrize(("amount", "text"), [(Decimal("100"), "100.00"), (Decimal("99.5"), "99.50"), (7, "7.00")])
def test_amounts_are_sent_with_two_places(amount, text):
    assert format_amount(amount) == text


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        (100.0, TypeError),
        ("100", TypeError),
        (Decimal("0"), ValueError),
        (Decimal("-5"), ValueError),
        (Decimal("1.005"), ValueError),
        (Decimal("NaN"), ValueError),
    ],
)
def test_amounts_that_are_not_money_are_refused(amount, error):
    with pytest.raises(error):
        format_amount(amount)


def test_a_client_without_arguments_reads_the_bkash_settings(sim, settings, create):
    # given
    settings.BKASH_BASE_URL = sim.base_url + "/"
    settings.BKASH_USERNAME, settings.BKASH_PASSWORD = USERNAME, PASSWORD
    settings.BKASH_APP_KEY, settings.BKASH_APP_SECRET = APP_KEY, APP_SECRET
    settings.BKASH_TIMEOUT = "7"

    # when
    api = BkashClient(cache=LocMemCache(f"bkash-test-{uuid.uuid4()}", {}))
    created = create(api=api)

    # then
    assert (api.config.base_url, api.config.timeout) == (sim.base_url, 7.0)
    assert sim.payment(created.payment_id).invoice_number == created.invoice_number
