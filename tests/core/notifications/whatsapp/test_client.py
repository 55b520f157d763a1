import logging

import pytest

from core.notifications.whatsapp.client import WhatsAppClient, WhatsAppError, send_template
from tests.core.notifications.whatsapp.conftest import TOKEN


def send(client, to="01712345678", template="renewal_reminder", values=("Mia", "3 May 2026")):
    return client.send_template(to, template, "en", list(values))


def test_send_returns_the_wamid_and_the_simulator_records_the_template(simulator, wa_client):
    # when
    wamid = send(wa_client)

    # then
    assert wamid.startswith("wamid.")
    [sent] = simulator.sent
    assert (sent.wamid, sent.to, sent.template, sent.language) == (wamid, "8801712345678", "renewal_reminder", "en")
    assert sent.parameters == ["Mia", "3 May 2026"]
    assert sent.body["template"]["components"] == [
        {"type": "body", "parameters": [{"type": "text", "text": "Mia"}, {"type": "text", "text": "3 May 2026"}]}
    ]


def test_each_send_gets_its_own_wamid(wa_client):
    assert send(wa_client) != send(wa_client)


def test_a_template_without_values_sends_no_components(simulator, wa_client):
    # when
    send(wa_client, template="hello_world", values=())

    # then
    assert "components" not in simulator.sent[0].body["template"]


@pytest.mark.parametrize(
    ("arrange", "code", "retryable", "words"),
    [
        (lambda sim: sim.blocked.add("8801712345678"), 131030, False, "allowed list"),
        (lambda sim: setattr(sim, "rate_limited", True), 130429, True, "rate limit"),
        (lambda sim: sim.fail_next(500, code=131000), 131000, True, "went wrong"),
        (lambda sim: sim.fail_next(503, code=131016), 131016, True, "temporarily unavailable"),
        (lambda sim: sim.fail_next(400, code=131026), 131026, False, "could not deliver"),
        (lambda sim: sim.fail_next(400, code=999999), 999999, False, "refused"),
        (lambda sim: sim.fail_next(500, code=999999), 999999, True, "refused"),
    ],
)
def test_cloud_api_errors_are_mapped_with_a_reason_and_retryable_flag(
    simulator, wa_client, arrange, code, retryable, words
):
    # given
    arrange(simulator)

    # when
    with pytest.raises(WhatsAppError) as caught:
        send(wa_client)

    # then
    assert (caught.value.code, caught.value.retryable) == (code, retryable)
    assert words in caught.value.message
    assert simulator.sent == []


def test_unknown_template_is_132001_and_not_retryable(wa_client):
    with pytest.raises(WhatsAppError) as caught:
        send(wa_client, template="no_such_template")

    assert (caught.value.code, caught.value.retryable) == (132001, False)
    assert "no_such_template" in caught.value.message
    assert str(caught.value).startswith("WhatsApp error 132001: ")


def test_wrong_number_of_values_is_132000_and_not_retryable(wa_client):
    with pytest.raises(WhatsAppError) as caught:
        send(wa_client, values=("Mia",))

    assert (caught.value.code, caught.value.retryable) == (132000, False)


def test_bad_token_is_190_and_not_retryable_and_the_token_is_not_revealed(simulator, caplog):
    # given
    client = WhatsAppClient(
        token="expired-token-123", phone_number_id=simulator.phone_number_id, base_url=simulator.base_url
    )

    # when
    with caplog.at_level(logging.DEBUG), pytest.raises(WhatsAppError) as caught:
        send(client)

    # then
    assert (caught.value.code, caught.value.retryable, caught.value.http_status) == (190, False, 401)
    assert "WHATSAPP_TOKEN" in caught.value.message
    assert "expired-token-123" not in str(caught.value) + repr(client) + caplog.text


def test_token_is_not_logged_on_success(wa_client, caplog):
    with caplog.at_level(logging.DEBUG):
        wamid = send(wa_client)

    assert wamid in caplog.text
    assert TOKEN not in caplog.text


def test_a_bare_5xx_is_retryable(simulator, wa_client):
    simulator.fail_next(502)

    with pytest.raises(WhatsAppError) as caught:
        send(wa_client)

    assert (caught.value.code, caught.value.retryable, caught.value.http_status) == (None, True, 502)


def test_an_unreachable_api_is_retryable(simulator):
    # given: a port nothing listens on any more
    base_url = simulator.base_url
    simulator.stop()
    client = WhatsAppClient(token=TOKEN, phone_number_id=simulator.phone_number_id, base_url=base_url, timeout=2)

    # when
    with pytest.raises(WhatsAppError) as caught:
        send(client)

    # then
    assert (caught.value.code, caught.value.retryable) == (None, True)
    assert "Could not reach WhatsApp" in caught.value.message


def test_a_wrong_phone_number_id_is_not_retryable(simulator):
    client = WhatsAppClient(token=TOKEN, phone_number_id="999", base_url=simulator.base_url)

    with pytest.raises(WhatsAppError) as caught:
        send(client)

    assert (caught.value.code, caught.value.retryable) == (100, False)


@pytest.mark.parametrize(
    ("to", "template", "values", "words"),
    [
        ("0171234", "renewal_reminder", ("Mia", "3 May"), "not a phone number"),
        ("01712345678", "Renewal Reminder", ("Mia", "3 May"), "not a WhatsApp template name"),
        ("01712345678", "renewal_reminder", ("Mia", "  "), "Value 2"),
        ("01712345678", "renewal_reminder", ("Mia", None), "Value 2"),
    ],
)
def test_bad_input_fails_before_calling_whatsapp_and_is_not_retryable(
    simulator, wa_client, to, template, values, words
):
    with pytest.raises(WhatsAppError) as caught:
        wa_client.send_template(to, template, "en", list(values))

    assert caught.value.retryable is False
    assert words in caught.value.message
    assert simulator.requests_seen == 0


@pytest.mark.parametrize(
    "body", [{"messaging_product": "whatsapp", "messages": []}, {"messages": [{"id": ""}]}, b"<html>ok</html>"]
)
def test_an_odd_success_reply_is_not_retried(simulator, wa_client, body):
    # given: WhatsApp may have sent it, so a retry could send it twice
    simulator.reply_next(200, body)

    # when
    with pytest.raises(WhatsAppError) as caught:
        send(wa_client)

    # then
    assert caught.value.retryable is False


def test_missing_settings_fail_with_a_clear_reason(settings):
    # given
    settings.WHATSAPP_TOKEN = ""
    settings.WHATSAPP_PHONE_NUMBER_ID = ""

    # when
    with pytest.raises(WhatsAppError) as caught:
        send_template("01712345678", "renewal_reminder", "en", ["Mia", "3 May"])

    # then
    assert caught.value.retryable is False
    assert "WHATSAPP_TOKEN" in caught.value.message


def test_send_template_reads_the_settings(settings, simulator):
    # given
    settings.WHATSAPP_TOKEN = TOKEN
    settings.WHATSAPP_PHONE_NUMBER_ID = simulator.phone_number_id
    settings.WHATSAPP_BASE_URL = simulator.base_url
    settings.WHATSAPP_API_VERSION = "19.0"

    # when
    wamid = send_template("+8801712345678", "membership_expired", "bn", ["Mia"])

    # then
    assert simulator.sent[0].wamid == wamid
    assert WhatsAppClient.from_settings().messages_url == f"{simulator.base_url}/v19.0/100000000000001/messages"
