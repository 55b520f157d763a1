"""WhatsApp through the outbox, against the Cloud API simulator on loopback:
queue → worker sends → wamid stored → status webhooks move the message."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.notifications.models import Message
from core.notifications.services import message_queue, message_send, messages_enqueue_due
from core.notifications.whatsapp.simulator import WhatsAppSimulator, wait_for
from tests.core.notifications.whatsapp_setup import APP_SECRET, TOKEN, point_settings_at

pytestmark = pytest.mark.django_db


def queue_whatsapp(recipient="01712345678", key="wa:1", template="renewal_reminder", parameters=None, **context):
    return message_queue(
        channel=Message.Channel.WHATSAPP,
        template=template,
        recipient=recipient,
        dedupe_key=key,
        context={
            "parameters": ["Nusrat", "Monthly", "Fri 18 Dec 2026"] if parameters is None else parameters,
            **context,
        },
    )


def make_due(message: Message) -> None:
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_queued_whatsapp_message_is_sent_with_its_template_values(wa_sim, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        message = queue_whatsapp(language="bn")
    # then
    message.refresh_from_db()
    assert message.recipient == "+8801712345678"  # stored in E.164
    assert message.status == Message.Status.SENT
    assert message.attempts == 1
    assert message.sent_at is not None
    [sent] = wa_sim.sent
    assert message.provider_id == sent.wamid and sent.wamid.startswith("wamid.")
    assert (sent.to, sent.template, sent.language) == ("8801712345678", "renewal_reminder", "bn")
    assert sent.parameters == ["Nusrat", "Monthly", "Fri 18 Dec 2026"]


def test_language_defaults_to_the_setting(wa_sim, settings, django_capture_on_commit_callbacks):
    settings.WHATSAPP_LANGUAGE = "en_US"
    with django_capture_on_commit_callbacks(execute=True):
        queue_whatsapp()
    assert wa_sim.sent[0].language == "en_US"


@pytest.mark.parametrize("number", ["12345", "+0123456789", "call me", "017-1234"])
def test_a_number_that_is_not_e164_is_refused_clearly(wa_sim, number):
    # when
    with pytest.raises(ValidationError) as exc:
        queue_whatsapp(recipient=number)
    # then
    assert "international (E.164) form such as +8801712345678" in exc.value.messages[0]
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("parameters", "error"),
    [
        (["Nusrat", "", "Fri 18 Dec"], "Value 2 of the WhatsApp template “renewal_reminder” is missing."),
        (["Nusrat", None], "Value 2 of the WhatsApp template “renewal_reminder” is missing."),
        ("Nusrat", "needs its template values as a list"),
    ],
)
def test_a_missing_template_value_is_refused_when_queued(wa_sim, parameters, error):
    with pytest.raises(ValidationError) as exc:
        queue_whatsapp(parameters=parameters)
    assert error in exc.value.messages[0]
    assert not Message.objects.exists()


def test_whatsapp_is_refused_while_it_is_not_set_up(settings):
    # given: no token
    settings.WHATSAPP_TOKEN = ""
    # when / then
    with pytest.raises(ValidationError) as exc:
        queue_whatsapp()
    assert exc.value.messages == ["WhatsApp is not set up (WHATSAPP_TOKEN is empty): send this message by email."]


def test_an_error_no_retry_can_fix_fails_the_message_at_once_with_the_reason(
    settings, django_capture_on_commit_callbacks
):
    # given: WhatsApp knows only other templates
    with WhatsAppSimulator(token=TOKEN, app_secret=APP_SECRET, known_templates={"hello_world": 0}) as sim:
        point_settings_at(settings, sim)
        # when
        with django_capture_on_commit_callbacks(execute=True):
            message = queue_whatsapp()
        # then
        message.refresh_from_db()
        assert message.status == Message.Status.FAILED
        assert message.attempts == 1
        assert message.retryable is False
        assert message.failed_at is not None
        assert "The WhatsApp template “renewal_reminder” does not exist or is not approved" in message.last_error
        assert sim.sent == []
        # and the sweep leaves it alone
        make_due(message)
        assert messages_enqueue_due(grace=timedelta(0)) == 0


@pytest.mark.parametrize("blocked_code", [190, 131030])
def test_token_and_recipient_refusals_are_failures_with_words(wa_sim, blocked_code, django_capture_on_commit_callbacks):
    # given
    wa_sim.fail_next(http_status=400 if blocked_code == 131030 else 401, code=blocked_code)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        message = queue_whatsapp()
    # then
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    expected = "access token" if blocked_code == 190 else "not on the allowed list"
    assert expected in message.last_error
    assert TOKEN not in message.last_error


def test_a_rate_limit_is_retried_with_backoff_and_then_sent(wa_sim, django_capture_on_commit_callbacks):
    # given: WhatsApp's rate limit for the first try
    wa_sim.fail_next(http_status=429, code=130429, message="(#130429) Rate limit hit")
    before = timezone.now()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        message = queue_whatsapp()
    # then: kept for later, with the reason
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert message.attempts == 1
    assert "rate limit" in message.last_error
    assert message.next_attempt_at >= before + timedelta(minutes=1)
    assert message_send(message_id=message.pk) is None  # not before its time
    # when: the retry time comes and the sweep runs
    make_due(message)
    with django_capture_on_commit_callbacks(execute=True):
        assert messages_enqueue_due(grace=timedelta(0)) == 1
    # then
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.attempts == 2
    assert message.last_error == ""
    assert [m.wamid for m in wa_sim.sent] == [message.provider_id]


def test_unreachable_whatsapp_is_retried(settings, django_capture_on_commit_callbacks):
    # given: a simulator that is gone (nothing listens on its port any more)
    with WhatsAppSimulator(token=TOKEN, app_secret=APP_SECRET) as sim:
        point_settings_at(settings, sim)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        message = queue_whatsapp()
    # then
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert message.attempts == 1
    assert "Could not reach WhatsApp" in message.last_error


@pytest.mark.django_db(transaction=True)
def test_status_webhooks_from_the_simulator_reach_the_app(live_server, settings):
    # given: the simulator posts its status webhooks to the running app, out of order and twice each
    url = live_server.url + "/webhooks/whatsapp/"
    with WhatsAppSimulator(
        token=TOKEN, app_secret=APP_SECRET, webhook_url=url, out_of_order=True, duplicate=True
    ) as sim:
        point_settings_at(settings, sim)
        # when: queued and committed (django-q2 runs the send inline in tests)
        message = queue_whatsapp()
        # then
        assert wait_for(lambda: len(sim.webhook_deliveries) == 6, timeout=10)
        assert {d.http_status for d in sim.webhook_deliveries} == {200}
    message.refresh_from_db()
    assert message.status == Message.Status.READ
    assert message.provider_id == sim.sent[0].wamid
    assert message.sent_at and message.delivered_at and message.read_at
    assert message.delivered_at <= message.read_at  # read came first, delivered still got its own time
