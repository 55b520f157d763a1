"""The simulator's payer page, as a browser uses it (plain HTML forms)."""

import json
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlencode, urlsplit
from urllib.request import HTTPRedirectHandler, ProxyHandler, Request, build_opener

import pytest

from core.billing.gateways.bkash import BkashError
from core.billing.gateways.sns import verify_sns_message
from tests.core.billing.conftest import CALLBACK


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


BROWSER = build_opener(ProxyHandler({}), _NoRedirect())


def fetch(url: str, form: dict | None = None) -> tuple[int, str, str]:
    """(status, Location, body) without following redirects."""
    data = urlencode(form).encode() if form is not None else None
    try:
        with BROWSER.open(Request(url, data=data), timeout=5) as response:  # noqa: S310 - loopback http
            return response.status, "", response.read().decode()
    except HTTPError as exc:
        with exc:
            return exc.code, exc.headers.get("Location", ""), exc.read().decode()


def page_form(bkash_url: str) -> dict:
    query = parse_qs(urlsplit(bkash_url).query)
    return {"paymentId": query["paymentId"][0], "hash": query["hash"][0]}


def test_the_payer_page_offers_pay_cancel_and_fail(create):
    # given
    created = create("750.00")

    # when
    status, _, body = fetch(created.bkash_url)

    # then
    assert status == 200
    assert "750.00" in body and created.invoice_number in body
    for action in ("pay", "cancel", "fail"):
        assert f'name="action" value="{action}"' in body
    assert "<script" not in body


@pytest.mark.parametrize(
    ("action", "callback_status", "state"),
    [
        ("pay", "success", "APPROVED"),
        ("cancel", "cancel", "CANCELLED"),
        ("fail", "failure", "FAILED"),
    ],
)
def test_a_button_sends_the_browser_to_the_callback(sim, create, action, callback_status, state):
    # given
    created = create()
    origin = "http://" + urlsplit(created.bkash_url).netloc

    # when
    status, location, _ = fetch(f"{origin}/checkout/", {**page_form(created.bkash_url), "action": action})

    # then
    assert status == 303
    assert location.startswith(CALLBACK)
    assert parse_qs(urlsplit(location).query) == {"paymentID": [created.payment_id], "status": [callback_status]}
    assert sim.payment(created.payment_id).state == state


def test_a_second_click_changes_nothing(sim, create):
    # given
    created = create()
    origin = "http://" + urlsplit(created.bkash_url).netloc
    fetch(f"{origin}/checkout/", {**page_form(created.bkash_url), "action": "cancel"})

    # when
    _, location, _ = fetch(f"{origin}/checkout/", {**page_form(created.bkash_url), "action": "pay"})

    # then
    assert parse_qs(urlsplit(location).query)["status"] == ["cancel"]
    assert sim.payment(created.payment_id).state == "CANCELLED"


def test_a_script_can_pay_with_a_get_and_then_execute(sim, client, create):
    # given
    created = create()

    # when
    status, location, _ = fetch(created.bkash_url + "&action=pay")
    result = client.execute_payment(created.payment_id)

    # then
    assert (status, parse_qs(urlsplit(location).query)["status"]) == (303, ["success"])
    assert result.is_completed


def test_a_forged_link_is_refused(sim, create):
    # given
    created = create()
    origin = "http://" + urlsplit(created.bkash_url).netloc

    # when
    status, _, _ = fetch(f"{origin}/checkout/", {"paymentId": created.payment_id, "hash": "guess", "action": "pay"})

    # then
    assert status == 404
    assert sim.payment(created.payment_id).state == "INITIATED"


def test_the_simulator_lists_its_payments_as_json(sim, create):
    # given
    created = create()

    # when
    status, _, body = fetch(sim.root_url + "/_sim/payments")

    # then
    assert status == 200
    [listed] = json.loads(body)["payments"]
    assert (listed["paymentID"], listed["transactionStatus"]) == (created.payment_id, "Initiated")


def test_bad_amounts_never_reach_a_payment(sim, client):
    # when: the simulator refuses what the client would never send
    for amount in ("100.5.0", "-1", "0", "1e3"):
        status, reply = sim.handle_api(
            "/tokenized/checkout/create",
            {"Authorization": client.get_token(), "X-APP-Key": client.config.app_key},
            {
                "mode": "0011",
                "payerReference": "x",
                "callbackURL": CALLBACK,
                "amount": amount,
                "currency": "BDT",
                "intent": "sale",
                "merchantInvoiceNumber": "INV-1",
            },
        )
        # then
        assert (status, reply["statusCode"]) == (200, "2006")
    assert sim.payments() == []


def test_the_ipn_for_a_completed_payment_verifies(sim, client, create):
    # given
    created = create("300.00")
    sim.approve(created.payment_id)
    paid = client.execute_payment(created.payment_id)

    # when
    body, pem = sim.make_ipn(created.payment_id)
    message = verify_sns_message(body, fetch_certificate=lambda url: pem)

    # then
    payload = message.payload()
    assert (payload["trxID"], payload["transactionStatus"], payload["amount"]) == (paid.trx_id, "Completed", "300.00")
    assert payload["merchantInvoiceNumber"] == created.invoice_number


def test_the_simulator_stops_cleanly_while_an_execute_is_held(sim, make_client, create):
    # given
    api = make_client(timeout=0.2)
    created = create(api=api)
    sim.approve(created.payment_id)
    sim.scenario.execute_delay = 30
    with pytest.raises(BkashError):
        api.execute_payment(created.payment_id)

    # when
    sim.stop()

    # then: the held request was woken, and the port is closed
    with pytest.raises(BkashError) as caught:
        api.query_payment(created.payment_id)
    assert caught.value.code == "unreachable"
