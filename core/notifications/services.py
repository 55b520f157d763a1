"""The outbox: queue a message inside the caller's transaction; a worker
sends it after commit, retrying with backoff, never twice."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.common.queue import enqueue
from core.notifications.exceptions import MessageCancelled
from core.notifications.models import Message
from core.notifications.registry import send_time_context
from core.notifications.rendering import render_email

logger = logging.getLogger(__name__)

SEND_TASK = "jobs.tasks.notifications.send_message_task"
# How long a worker may hold a message while sending before another may retry it.
SEND_LEASE = timedelta(minutes=5)


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the n-th failed attempt: 1, 4, 16, 64 minutes."""
    return timedelta(minutes=4 ** max(attempts - 1, 0))


@transaction.atomic
def message_queue(
    *,
    template: str,
    recipient: str,
    dedupe_key: str,
    context: dict | None = None,
    channel: str = Message.Channel.EMAIL,
    user=None,
    attachments: list[dict] | None = None,
) -> Message:
    """Queue a message; returns the existing one if ``dedupe_key`` was used before."""
    existing = Message.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    if channel == Message.Channel.EMAIL:
        validate_email(recipient)
    message = Message(
        channel=channel,
        template=template,
        recipient=recipient,
        dedupe_key=dedupe_key,
        context=context or {},
        user=user,
        attachments=attachments or [],
    )
    message.full_clean(exclude=["dedupe_key"])
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        # Another transaction queued the same dedupe_key first.
        return Message.objects.get(dedupe_key=dedupe_key)
    enqueue(SEND_TASK, message.pk)
    return message


def _claim(message_id: int) -> bool:
    """Take the message for sending, atomically; False if it is not due or already taken."""
    now = timezone.now()
    claimed = (
        Message.objects.filter(pk=message_id, status=Message.Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(next_attempt_at=now + SEND_LEASE, attempts=F("attempts") + 1, updated_at=now)
    )
    return claimed == 1


def _send_email(message: Message) -> str:
    rendered = render_email(message.template, {**message.context, **send_time_context(message)}, message.attachments)
    msgid = make_msgid(domain="gymos")
    email = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={"Message-ID": msgid, "X-GymOS-Message": str(message.pk)},
        connection=get_connection(timeout=settings.EMAIL_TIMEOUT),
    )
    email.attach_alternative(rendered.html, "text/html")
    for filename, content, mimetype in rendered.attachments:
        email.attach(filename, content, mimetype)
    email.send(fail_silently=False)
    Message.objects.filter(pk=message.pk).update(subject=rendered.subject)
    return msgid


CHANNEL_SENDERS = {Message.Channel.EMAIL: _send_email}


def message_send(*, message_id: int) -> Message | None:
    """Send one queued message. Safe to call any number of times: only a
    worker that claims the row sends it, and a sent row is never sent again.
    No transaction is held while talking to the outside service."""
    if not _claim(message_id):
        return None
    message = Message.objects.get(pk=message_id)
    sender = CHANNEL_SENDERS[message.channel]
    now = timezone.now
    try:
        provider_id = sender(message)
    except Exception as exc:  # any failure of the outside service or the template
        error = (str(exc) if isinstance(exc, MessageCancelled) else f"{type(exc).__name__}: {exc}")[:2000]
        if isinstance(exc, MessageCancelled) or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            fields = {"status": Message.Status.FAILED, "failed_at": now(), "next_attempt_at": None}
        else:
            fields = {"next_attempt_at": now() + retry_delay(message.attempts)}
        Message.objects.filter(pk=message.pk).update(last_error=error, updated_at=now(), **fields)
        logger.warning("Message %s attempt %s failed: %s", message.pk, message.attempts, error)
    else:
        Message.objects.filter(pk=message.pk, status=Message.Status.QUEUED).update(
            status=Message.Status.SENT,
            provider_id=provider_id,
            sent_at=now(),
            next_attempt_at=None,
            last_error="",
            updated_at=now(),
        )
    message.refresh_from_db()
    return message


@transaction.atomic
def message_resend(*, message: Message) -> Message:
    """Put a FAILED message back in the queue with a fresh set of attempts."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status != Message.Status.FAILED:
        raise ValidationError(
            f"Only failed messages can be re-sent; this one is {message.get_status_display().lower()}."
        )
    message.status = Message.Status.QUEUED
    message.attempts = 0
    message.next_attempt_at = None
    message.failed_at = None
    message.save(update_fields=["status", "attempts", "next_attempt_at", "failed_at", "updated_at"])
    enqueue(SEND_TASK, message.pk)
    return message


def messages_enqueue_due(*, grace: timedelta = timedelta(minutes=1)) -> int:
    """Re-queue messages whose retry time has come (and any whose first
    enqueue was lost). Claiming makes a double enqueue harmless."""
    now = timezone.now()
    due = Message.objects.filter(status=Message.Status.QUEUED, created_at__lte=now - grace).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    ids = list(due.values_list("pk", flat=True)[:1000])
    with transaction.atomic():
        for pk in ids:
            enqueue(SEND_TASK, pk)
    return len(ids)
