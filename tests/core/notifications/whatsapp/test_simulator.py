import io
import json
import threading
from urllib.request import Request, urlopen

import pytest

from core.notifications.whatsapp.simulator import WhatsAppSimulator, wait_for
from core.notifications.whatsapp.simulator_cli import build_simulator, serve
from core.notifications.whatsapp.webhook import (
    SIGNATURE_HEADER,
    SignatureInvalid,
    next_status,
    parse_statuses,
    verify_signature,
)
from tests.core.notifications.whatsapp.conftest import APP_SECRET, TEMPLATES, TOKEN, VERIFY_TOKEN


@pytest.fixture
def webhook_sim(receiver):
    with WhatsAppSimulator(
        token=TOKEN, app_secret=APP_SECRET, known_templates=TEMPLATES, webhook_url=receiver.url
    ) as sim:
        yield sim


def client_for(sim):
    from core.notifications.whatsapp.client import WhatsAppClient

    return WhatsAppClient(token=TOKEN, phone_number_id=sim.phone_number_id, base_url=sim.base_url, timeout=5)


def received_statuses(receiver):
    return [(e.provider_id, e.status) for body in receiver.accepted() for e in parse_statuses(body)]


def test_statuses_are_posted_signed_in_meta_shape(webhook_sim, receiver):
    # when
    wamid = client_for(webhook_sim).send_template("01712345678", "renewal_reminder", "en", ["Mia", "3 May"])

    # then: three webhooks, each accepted by a receiver that checks the signature
    assert wait_for(lambda: len(receiver.received) == 3, timeout=5)
    assert receiver.answers() == [200, 200, 200]
    assert received_statuses(receiver) == [(wamid, "SENT"), (wamid, "DELIVERED"), (wamid, "READ")]
    first = receiver.accepted()[0]
    assert first["object"] == "whatsapp_business_account"
    value = first["entry"][0]["changes"][0]["value"]
    assert value["metadata"]["phone_number_id"] == webhook_sim.phone_number_id
    assert value["statuses"][0]["recipient_id"] == "8801712345678"
    assert all(r.signature.startswith("sha256=") for r in receiver.received)
    # The simulator records a delivery after the receiver answered it.
    assert wait_for(lambda: len(webhook_sim.webhook_deliveries) == 3, timeout=5)
    assert [d.http_status for d in webhook_sim.webhook_deliveries] == [200, 200, 200]


def test_a_failing_number_gets_sent_then_failed_with_errors(webhook_sim, receiver):
    # given
    webhook_sim.fail_numbers.add("8801812345678")

    # when
    wamid = client_for(webhook_sim).send_template("+8801812345678", "membership_expired", "en", ["Mia"])

    # then
    assert wait_for(lambda: len(receiver.received) == 2, timeout=5)
    events = [e for body in receiver.accepted() for e in parse_statuses(body)]
    assert [(e.provider_id, e.status) for e in events] == [(wamid, "SENT"), (wamid, "FAILED")]
    assert events[1].error_code == 131026


def test_out_of_order_and_duplicate_webhooks_still_end_at_read(webhook_sim, receiver):
    # given
    webhook_sim.out_of_order = True
    webhook_sim.duplicate = True

    # when
    client_for(webhook_sim).send_template("01712345678", "hello_world", "en", [])

    # then: read arrives before delivered, every status twice
    assert wait_for(lambda: len(receiver.received) == 6, timeout=5)
    statuses = [status for _, status in received_statuses(receiver)]
    assert statuses == ["SENT", "SENT", "READ", "READ", "DELIVERED", "DELIVERED"]
    # and applying them with the never-backwards rule ends at READ, moving only twice
    current, moves = "QUEUED", 0
    for status in statuses:
        new = next_status(current, status)
        if new:
            current, moves = new, moves + 1
    assert (current, moves) == ("READ", 2)


@pytest.mark.parametrize(("mode", "answer"), [("bad", 403), ("missing", 401)])
def test_badly_signed_webhooks_are_refused_by_the_receiver(webhook_sim, receiver, mode, answer):
    # given
    webhook_sim.webhook_signature = mode

    # when
    client_for(webhook_sim).send_template("01712345678", "hello_world", "en", [])

    # then
    assert wait_for(lambda: len(webhook_sim.webhook_deliveries) == 3, timeout=5)
    assert receiver.answers() == [answer] * 3
    assert receiver.accepted() == []
    assert [d.http_status for d in webhook_sim.webhook_deliveries] == [answer] * 3


def test_refused_sends_post_no_webhooks(webhook_sim, receiver):
    # given
    webhook_sim.blocked.add("01712345678")

    # when
    with pytest.raises(Exception, match="131030"):
        client_for(webhook_sim).send_template("01712345678", "hello_world", "en", [])

    # then
    assert webhook_sim.webhooks_idle(timeout=5)
    assert receiver.received == []


def test_an_unreachable_app_is_recorded_not_raised():
    # given: nothing listens at the webhook address
    with WhatsAppSimulator(token=TOKEN, webhook_url="http://127.0.0.1:1/hook", webhook_retries=1) as sim:
        # when
        client_for(sim).send_template("01712345678", "hello_world", "en", [])

        # then
        assert wait_for(lambda: len(sim.webhook_deliveries) == 3, timeout=10)
        assert {d.http_status for d in sim.webhook_deliveries} == {None}
        assert all(d.error for d in sim.webhook_deliveries)


def test_check_subscription_runs_metas_get_handshake(webhook_sim):
    assert webhook_sim.check_subscription(VERIFY_TOKEN) == (200, "1158201444")
    assert webhook_sim.check_subscription("wrong")[0] == 403


def test_the_signature_covers_the_exact_raw_body(webhook_sim, receiver):
    # given
    client_for(webhook_sim).send_template("01712345678", "hello_world", "en", [])
    assert wait_for(lambda: len(receiver.received) == 3, timeout=5)
    first = receiver.received[0]

    # when: the same JSON, serialised again with other spacing
    reserialised = json.dumps(json.loads(first.raw)).encode()

    # then: only the bytes as received verify, so the view must check request.body before parsing
    verify_signature(first.raw, first.signature, APP_SECRET)
    with pytest.raises(SignatureInvalid):
        verify_signature(reserialised, first.signature, APP_SECRET)


def test_requests_that_are_not_template_sends_get_error_100(simulator):
    # given
    url = f"{simulator.base_url}/v21.0/{simulator.phone_number_id}/messages"
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}

    for body in (b"{not json", b'{"messaging_product": "whatsapp", "to": "8801712345678", "type": "text"}'):
        # when
        with pytest.raises(Exception) as caught:
            urlopen(Request(url, data=body, headers=headers, method="POST"), timeout=5)  # noqa: S310 - loopback

        # then
        assert caught.value.code == 400
        assert json.loads(caught.value.read())["error"]["code"] == 100
    assert simulator.sent == []


def test_unknown_paths_are_404(simulator):
    with pytest.raises(Exception) as caught:
        urlopen(Request(f"{simulator.base_url}/v21.0/me/photos", data=b"{}", method="POST"), timeout=5)  # noqa: S310 - loopback simulator URL
    assert caught.value.code == 404


def test_reset_forgets_what_was_sent(simulator, wa_client):
    wa_client.send_template("01712345678", "hello_world", "en", [])
    simulator.reset()
    assert (simulator.sent, simulator.requests_seen) == ([], 0)


def test_sent_to_finds_messages_by_any_form_of_the_number(simulator, wa_client):
    wa_client.send_template("01712345678", "hello_world", "en", [])
    assert len(simulator.sent_to("+880 1712-345678")) == len(simulator.sent_to("01712345678")) == 1


def test_base_url_needs_a_running_simulator():
    with pytest.raises(RuntimeError, match="start"):
        _ = WhatsAppSimulator().base_url


def test_wait_for_returns_the_last_value_when_time_runs_out():
    assert wait_for(lambda: 0, timeout=0.05) == 0
    assert wait_for(lambda: "yes", timeout=0.05) == "yes"


def test_command_line_options_build_the_simulator():
    # when
    sim = build_simulator(
        [
            "--port",
            "0",
            "--template",
            "renewal_reminder:2",
            "--template",
            "hello_world",
            "--block",
            "01712345678",
            "--fail",
            "+8801812345678",
            "--out-of-order",
            "--webhook-url",
            "http://127.0.0.1:8000/webhooks/whatsapp/",
        ],
        defaults={"token": "from-settings"},
    )

    # then
    assert sim.known_templates == {"renewal_reminder": 2, "hello_world": None}
    assert (sim.blocked, sim.fail_numbers) == ({"8801712345678"}, {"8801812345678"})
    assert (sim.token, sim.out_of_order, sim.duplicate) == ("from-settings", True, False)
    assert sim.webhook_url == "http://127.0.0.1:8000/webhooks/whatsapp/"


def test_serve_prints_the_base_url_and_stops():
    # given
    out, stop = io.StringIO(), threading.Event()
    sim = WhatsAppSimulator(token=TOKEN)
    thread = threading.Thread(target=serve, args=(sim,), kwargs={"out": out, "stop": stop}, daemon=True)

    # when
    thread.start()
    assert wait_for(lambda: "WHATSAPP_BASE_URL=http://127.0.0.1:" in out.getvalue(), timeout=5)
    client_for(sim).send_template("01712345678", "hello_world", "en", [])
    stop.set()
    thread.join(timeout=5)

    # then
    assert not thread.is_alive()
    assert len(sim.sent) == 1
    with pytest.raises(RuntimeError):
        _ = sim.base_url


def test_signature_header_name_is_metas():
    assert SIGNATURE_HEADER == "X-Hub-Signature-256"
