import pytest

from core.notifications.exceptions import MessageCancelled
from core.notifications.models import Message
from core.notifications.whatsapp.client import WhatsAppError
from core.notifications.whatsapp.sender import send_whatsapp
from tests.core.notifications.whatsapp.conftest import TOKEN


def whatsapp_message(**context):
    # an unsaved row is all the sender reads
    return Message(
        channel=Message.Channel.WHATSAPP,
        recipient="+8801712345678",
        template="renewal_reminder",
        context=context,
        dedupe_key="test",
    )


def test_sends_the_template_with_its_values_and_returns_the_wamid(simulator, wa_client):
    # when
    wamid = send_whatsapp(whatsapp_message(parameters=["Mia", "3 May"], language="bn"), client=wa_client)

    # then
    [sent] = simulator.sent
    assert (sent.wamid, sent.to, sent.template, sent.language, sent.parameters) == (
        wamid,
        "8801712345678",
        "renewal_reminder",
        "bn",
        ["Mia", "3 May"],
    )


def test_uses_the_settings_when_no_client_is_given(settings, simulator):
    # given
    settings.WHATSAPP_TOKEN = TOKEN
    settings.WHATSAPP_PHONE_NUMBER_ID = simulator.phone_number_id
    settings.WHATSAPP_BASE_URL = simulator.base_url
    settings.WHATSAPP_LANGUAGE = "en_US"

    # when
    send_whatsapp(whatsapp_message(parameters=["Mia", 3]))

    # then
    assert (simulator.sent[0].language, simulator.sent[0].parameters) == ("en_US", ["Mia", "3"])


@pytest.mark.parametrize("context", [{}, {"parameters": "Mia"}, {"parameters": [{"name": "Mia"}]}])
def test_a_message_without_a_list_of_values_is_cancelled(simulator, wa_client, context):
    with pytest.raises(MessageCancelled, match="template values"):
        send_whatsapp(whatsapp_message(**context), client=wa_client)
    assert simulator.requests_seen == 0


def test_an_error_no_retry_can_fix_cancels_the_message_with_the_reason(simulator, wa_client):
    # given: the template wants two values
    message = whatsapp_message(parameters=["Mia"])

    # then
    with pytest.raises(MessageCancelled, match="132000"):
        send_whatsapp(message, client=wa_client)


def test_a_retryable_error_propagates_for_the_outbox_backoff(simulator, wa_client):
    # given
    simulator.rate_limited = True

    # when
    with pytest.raises(WhatsAppError) as caught:
        send_whatsapp(whatsapp_message(parameters=["Mia", "3 May"]), client=wa_client)

    # then
    assert not isinstance(caught.value, MessageCancelled)
    assert caught.value.retryable is True
