"""The outbox: queue inside the caller's transaction, send after commit, never twice."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.notifications.models import Message
from core.notifications.services import message_queue, message_resend, message_send, messages_enqueue_due, retry_delay
from tests.support.mail import html_part

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("test_email_templates")]


def queue(key: str = "test:1", recipient: str = "nadia@example.com", **kwargs) -> Message:
    return message_queue(
        template="test_message", recipient=recipient, dedupe_key=key, context={"name": "Nadia"}, **kwargs
    )


def test_queued_message_is_sent_once_the_transaction_commits(django_capture_on_commit_callbacks, mailoutbox):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        message = queue()
        # then: nothing leaves before commit
        assert mailoutbox == []
    # then
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.attempts == 1
    assert message.provider_id.startswith("<") and message.provider_id.endswith("@gymos>")
    assert message.subject == "Test message for Nadia"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["nadia@example.com"]
    assert mailoutbox[0].extra_headers["Message-ID"] == message.provider_id


def test_a_rolled_back_transaction_sends_nothing(django_capture_on_commit_callbacks, mailoutbox):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                queue()
                raise RuntimeError("the caller failed after queueing")
        except RuntimeError:
            pass
    # then
    assert not Message.objects.exists()
    assert mailoutbox == []


def test_same_dedupe_key_twice_gives_one_message_and_one_email(django_capture_on_commit_callbacks, mailoutbox):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = queue(key="renewal:42")
    with django_capture_on_commit_callbacks(execute=True):
        second = queue(key="renewal:42", recipient="someone-else@example.com")
    # then
    assert first.pk == second.pk
    assert Message.objects.count() == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["nadia@example.com"]


def test_same_dedupe_key_twice_in_one_transaction_sends_once(django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        queue(key="renewal:42")
        queue(key="renewal:42")
    assert Message.objects.count() == 1
    assert len(mailoutbox) == 1


def test_sending_a_sent_message_again_does_nothing(django_capture_on_commit_callbacks, mailoutbox):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        message = queue()
    # when
    again = message_send(message_id=message.pk)
    again_and_again = message_send(message_id=message.pk)
    # then
    assert again is None
    assert again_and_again is None
    assert len(mailoutbox) == 1
    message.refresh_from_db()
    assert message.attempts == 1


def test_send_is_skipped_while_another_worker_holds_the_message(mailoutbox, django_capture_on_commit_callbacks):
    # given: queued, and claimed (leased) by a worker a moment ago
    with django_capture_on_commit_callbacks(execute=False):
        message = queue()
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=5), attempts=1)
    # when
    result = message_send(message_id=message.pk)
    # then
    assert result is None
    assert mailoutbox == []


def test_email_has_a_text_and_an_html_part(django_capture_on_commit_callbacks, mailoutbox, settings):
    # given
    settings.GYM_NAME = "Iron Temple"
    # when
    with django_capture_on_commit_callbacks(execute=True):
        queue()
    # then
    email = mailoutbox[0]
    assert email.content_subtype == "plain"
    assert "Hello Nadia, this is a test message from Iron Temple." in email.body
    html = html_part(email)
    assert "<strong>Nadia</strong>" in html
    assert "Iron Temple" in html
    mime = email.message()
    assert mime.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in mime.get_payload()] == ["text/plain", "text/html"]


def test_welcome_email_has_text_and_html_parts(provision, mailoutbox):
    # when
    provision(email="nadia@example.com")
    # then
    email = mailoutbox[0]
    html = html_part(email)
    assert "Temporary password" in email.body
    assert "Temporary password" in html
    assert "<html" in html and "<html" not in email.body


def test_invalid_recipient_is_refused(django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError):
        queue(recipient="not an email")
    assert not Message.objects.exists()


def test_missing_template_fails_the_attempt_without_crashing(django_capture_on_commit_callbacks, mailoutbox):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        message = message_queue(template="no_such_template", recipient="nadia@example.com", dedupe_key="t:1")
    # then: recorded on the row, to retry later
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert message.attempts == 1
    assert message.last_error.startswith("TemplateDoesNotExist")
    assert mailoutbox == []


def test_retry_backoff_grows():
    assert [retry_delay(n) for n in range(1, 5)] == [timedelta(minutes=m) for m in (1, 4, 16, 64)]


def test_sweep_enqueues_only_due_messages(django_capture_on_commit_callbacks, mailoutbox):
    # given
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=False):
        due_retry = queue(key="due-retry")
        lost = queue(key="lost")
        not_yet = queue(key="not-yet")
        just_queued = queue(key="just-queued")
        sent = queue(key="sent")
        failed = queue(key="failed")
    old = now - timedelta(minutes=10)
    Message.objects.update(created_at=old)
    Message.objects.filter(pk=due_retry.pk).update(attempts=1, next_attempt_at=now - timedelta(seconds=1))
    Message.objects.filter(pk=not_yet.pk).update(attempts=1, next_attempt_at=now + timedelta(minutes=3))
    Message.objects.filter(pk=just_queued.pk).update(created_at=now)  # its own on-commit send is on its way
    Message.objects.filter(pk=sent.pk).update(status=Message.Status.SENT)
    Message.objects.filter(pk=failed.pk).update(status=Message.Status.FAILED)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        count = messages_enqueue_due()
    # then
    assert count == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["nadia@example.com", "nadia@example.com"]
    statuses = dict(Message.objects.values_list("dedupe_key", "status"))
    assert statuses == {
        "due-retry": Message.Status.SENT,
        "lost": Message.Status.SENT,
        "not-yet": Message.Status.QUEUED,
        "just-queued": Message.Status.QUEUED,
        "sent": Message.Status.SENT,
        "failed": Message.Status.FAILED,
    }
    assert lost.pk in Message.objects.filter(status=Message.Status.SENT).values_list("pk", flat=True)


def test_resend_requeues_a_failed_message(django_capture_on_commit_callbacks, mailoutbox):
    # given
    with django_capture_on_commit_callbacks(execute=False):
        message = queue()
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.FAILED, attempts=5, failed_at=timezone.now(), last_error="SMTPDataError: 554"
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        message_resend(message=message)
    # then
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.attempts == 1
    assert message.failed_at is None
    assert message.last_error == ""
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("status", [Message.Status.QUEUED, Message.Status.SENT])
def test_only_failed_messages_can_be_resent(django_capture_on_commit_callbacks, status):
    with django_capture_on_commit_callbacks(execute=False):
        message = queue()
    Message.objects.filter(pk=message.pk).update(status=status)
    with pytest.raises(ValidationError) as exc:
        message_resend(message=message)
    assert exc.value.messages == [f"Only failed messages can be re-sent; this one is {status.label.lower()}."]
