"""Outbox against a real SMTP conversation on loopback (aiosmtpd): a relay that
refuses, then one that accepts; retries with backoff; FAILED after the last attempt."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from core.notifications.models import Message
from core.notifications.services import message_queue, message_send
from tests.support.smtp import closed_port, smtp_server

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("test_email_templates")]


def queue_and_commit(django_capture_on_commit_callbacks, key: str = "test:smtp") -> Message:
    with django_capture_on_commit_callbacks(execute=True):
        message = message_queue(
            template="test_message", recipient="nadia@example.com", dedupe_key=key, context={"name": "Nadia"}
        )
    message.refresh_from_db()
    return message


def make_due(message: Message) -> None:
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_refused_then_accepted_by_the_relay_sends_exactly_once(django_capture_on_commit_callbacks, settings):
    # given: the relay refuses everything
    with smtp_server(reject=True) as refusing, override_settings(**refusing.settings()):
        # when
        before = timezone.now()
        message = queue_and_commit(django_capture_on_commit_callbacks)
        # then: kept for a retry, with the reason
        assert refusing.handler.refused == 1
        assert message.status == Message.Status.QUEUED
        assert message.attempts == 1
        assert "554" in message.last_error
        assert message.last_error.startswith("SMTPDataError")
        assert message.next_attempt_at >= before + timedelta(minutes=1)
        assert message.sent_at is None
        # and asking again before the retry time sends nothing
        assert message_send(message_id=message.pk) is None
        assert refusing.handler.refused == 1

    # given: a working relay, and the retry time has come
    with smtp_server() as accepting, override_settings(**accepting.settings()):
        make_due(message)
        # when
        message_send(message_id=message.pk)
        message_send(message_id=message.pk)  # a duplicate task for the same row
        # then
        message.refresh_from_db()
        assert message.status == Message.Status.SENT
        assert message.attempts == 2
        assert message.last_error == ""
        assert message.next_attempt_at is None
        assert len(accepting.received) == 1
        received = accepting.received[0]
        assert received.rcpt_tos == ["nadia@example.com"]
        assert received.message["Message-ID"] == message.provider_id
        assert received.message["Subject"] == "Test message for Nadia"
        assert [p.get_content_type() for p in received.message.get_payload()] == ["text/plain", "text/html"]


def test_after_the_last_attempt_the_message_is_failed(django_capture_on_commit_callbacks, settings):
    # given
    assert settings.OUTBOX_MAX_ATTEMPTS == 5
    with smtp_server(reject=True) as refusing, override_settings(**refusing.settings()):
        message = queue_and_commit(django_capture_on_commit_callbacks)
        # when: every retry is refused too
        for _ in range(settings.OUTBOX_MAX_ATTEMPTS - 1):
            make_due(message)
            message_send(message_id=message.pk)
        # then
        message.refresh_from_db()
        assert refusing.handler.refused == 5
        assert message.status == Message.Status.FAILED
        assert message.attempts == 5
        assert message.failed_at is not None
        assert message.next_attempt_at is None
        assert "554" in message.last_error
        # and no further attempt is made
        make_due(message)
        assert message_send(message_id=message.pk) is None
        assert refusing.handler.refused == 5


def test_unreachable_smtp_server_counts_as_a_failed_attempt(django_capture_on_commit_callbacks):
    # given: nothing listens on the port
    with (
        closed_port() as port,
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_TIMEOUT=5,
        ),
    ):
        # when
        message = queue_and_commit(django_capture_on_commit_callbacks)
    # then
    assert message.status == Message.Status.QUEUED
    assert message.attempts == 1
    assert message.last_error.startswith("ConnectionRefusedError")
    assert "Connection refused" in message.last_error
    assert message.next_attempt_at > timezone.now()


def test_failed_message_resent_from_the_admin_is_delivered(
    django_capture_on_commit_callbacks, client, admin_user, settings
):
    # given: a message that failed for good
    with smtp_server(reject=True) as refusing, override_settings(**refusing.settings()):
        message = queue_and_commit(django_capture_on_commit_callbacks)
        Message.objects.filter(pk=message.pk).update(attempts=settings.OUTBOX_MAX_ATTEMPTS - 1)
        make_due(message)
        message_send(message_id=message.pk)
        message.refresh_from_db()
        assert message.status == Message.Status.FAILED
    client.force_login(admin_user)
    # when: staff re-send it once the relay works again
    with smtp_server() as accepting, override_settings(**accepting.settings()):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/admin/notifications/message/",
                {"action": "resend", "_selected_action": [message.pk], "index": 0},
                follow=True,
            )
        # then
        assert response.status_code == 200
        assert "Re-queued" in response.content.decode()
        message.refresh_from_db()
        assert message.status == Message.Status.SENT
        assert len(accepting.received) == 1
