"""The outbox: queue a message inside the caller's transaction; a worker
sends it after commit, retrying with backoff, never twice.

Delivery is at least once in one narrow case only: a worker that dies after
the provider accepted a message but before the row says SENT. Its lease
(OUTBOX_SEND_LEASE_SECONDS) then runs out and the retry sweep sends it again.
Everything else (duplicate tasks, two workers, a job run twice) is stopped by
the claim and by ``dedupe_key``."""

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.common.phone import normalize_phone
from core.common.queue import enqueue
from core.notifications.exceptions import MessageCancelled
from core.notifications.models import Message
from core.notifications.registry import send_time_context
from core.notifications.rendering import render_email
from core.notifications.retries import retry_delay, send_lease
from core.notifications.status import message_statuses_apply_pending
from core.notifications.whatsapp.sender import send_whatsapp

logger = logging.getLogger(__name__)

SEND_TASK = "jobs.tasks.notifications.send_message_task"
_WHATSAPP_TEMPLATE = re.compile(r"^[a-z0-9_]{1,512}$")


def whatsapp_enabled() -> bool:
    """WhatsApp is on once its token and phone number id are set; otherwise reminders go by email."""
    return bool(settings.WHATSAPP_TOKEN and settings.WHATSAPP_PHONE_NUMBER_ID)


def _whatsapp_recipient(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except ValidationError as exc:
        raise ValidationError(
            f"A WhatsApp message needs a phone number in international (E.164) form such as +8801712345678; "
            f"{' '.join(exc.messages)}"
        ) from None


def _check_whatsapp_content(template: str, context: dict) -> None:
    if not _WHATSAPP_TEMPLATE.match(template or ""):
        raise ValidationError(
            f"“{template}” is not a WhatsApp template name: use the approved name (lower-case letters, digits, _)."
        )
    parameters = context.get("parameters")
    if not isinstance(parameters, list):
        raise ValidationError(f"The WhatsApp message “{template}” needs its template values as a list (“parameters”).")
    for position, value in enumerate(parameters, start=1):
        if not isinstance(value, str | int) or not str(value).strip():
            raise ValidationError(f"Value {position} of the WhatsApp template “{template}” is missing.")


def message_build(
    *,
    template: str,
    recipient: str,
    dedupe_key: str,
    context: dict | None = None,
    channel: str = Message.Channel.EMAIL,
    user=None,
    attachments: list[dict] | None = None,
) -> Message:
    """A validated, unsaved Message: email addresses checked, WhatsApp numbers
    normalised to E.164 and template values checked. Raises ValidationError."""
    context = context or {}
    if channel == Message.Channel.EMAIL:
        validate_email(recipient)
    elif channel == Message.Channel.WHATSAPP:
        if not whatsapp_enabled():
            raise ValidationError("WhatsApp is not set up (WHATSAPP_TOKEN is empty): send this message by email.")
        recipient = _whatsapp_recipient(recipient)
        _check_whatsapp_content(template, context)
    message = Message(
        channel=channel,
        template=template,
        recipient=recipient,
        dedupe_key=dedupe_key,
        context=context,
        user=user,
        attachments=attachments or [],
    )
    # No per-row queries: uniqueness is the database's job (dedupe_key), the user is a loaded row.
    message.full_clean(exclude=["dedupe_key", "user"], validate_unique=False, validate_constraints=False)
    return message


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
    """Queue a message; returns the existing one if ``dedupe_key`` was used before.

    WhatsApp messages name an approved template and carry
    ``context={"parameters": [...], "language": "en"}``; the recipient may be
    written in any accepted phone form and is stored in E.164."""
    existing = Message.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    message = message_build(
        template=template,
        recipient=recipient,
        dedupe_key=dedupe_key,
        context=context,
        channel=channel,
        user=user,
        attachments=attachments,
    )
    try:
        # The only write, in its own savepoint (no outer one: it cost a round trip per booking).
        with transaction.atomic():
            message.save()
    except IntegrityError:
        # Another transaction queued the same dedupe_key first.
        return Message.objects.get(dedupe_key=dedupe_key)
    enqueue(SEND_TASK, message.pk)
    return message


@transaction.atomic
def messages_queue_bulk(*, messages: list[Message]) -> list[Message]:
    """Queue many messages built by ``message_build`` in a fixed number of
    queries; those whose ``dedupe_key`` was used before are skipped. Returns
    the new ones; each is handed to the worker after commit."""
    wanted = {m.dedupe_key: m for m in messages}
    taken = set(Message.objects.filter(dedupe_key__in=list(wanted)).values_list("dedupe_key", flat=True))
    fresh = [m for key, m in wanted.items() if key not in taken]
    if not fresh:
        return []
    # A concurrent run inserting the same keys is skipped by the unique index
    # (its rows are then enqueued twice, which the claim makes harmless). One
    # statement however many rows (no batch_size): the nightly reminders' query
    # count must not grow with the members (a 50,000-member gym queues ~4,000).
    Message.objects.bulk_create(fresh, ignore_conflicts=True)
    ids = dict(Message.objects.filter(dedupe_key__in=[m.dedupe_key for m in fresh]).values_list("dedupe_key", "pk"))
    for message in fresh:
        message.pk = ids[message.dedupe_key]
        enqueue(SEND_TASK, message.pk)
    return fresh


def _claim(message_id: int) -> bool:
    """Take the message for sending, atomically; False if it is not due or already taken."""
    now = timezone.now()
    claimed = (
        Message.objects.filter(pk=message_id, status=Message.Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(next_attempt_at=now + send_lease(), attempts=F("attempts") + 1, updated_at=now)
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
    # Stored with the SENT status by message_send (one statement, not two).
    message.subject = rendered.subject
    return msgid


CHANNEL_SENDERS = {Message.Channel.EMAIL: _send_email, Message.Channel.WHATSAPP: send_whatsapp}


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
            fields = {"status": Message.Status.FAILED, "failed_at": now(), "next_attempt_at": None, "retryable": False}
        else:
            fields = {"next_attempt_at": now() + retry_delay(message.attempts)}
        Message.objects.filter(pk=message.pk).update(last_error=error, updated_at=now(), **fields)
        logger.warning("Message %s attempt %s failed: %s", message.pk, message.attempts, error)
    else:
        done = {
            "status": Message.Status.SENT,
            "subject": message.subject,
            "provider_id": provider_id,
            "sent_at": now(),
            "next_attempt_at": None,
            "last_error": "",
            "retryable": False,
            "updated_at": now(),
        }
        sent = Message.objects.filter(pk=message.pk, status=Message.Status.QUEUED).update(**done)
        if message.channel == Message.Channel.WHATSAPP:
            # WhatsApp may have reported on this id before we stored it.
            message_statuses_apply_pending(provider_id=provider_id)
        elif sent:
            # The row now holds exactly these values: no need to read it back.
            for name, value in done.items():
                setattr(message, name, value)
            return message
        else:
            Message.objects.filter(pk=message.pk).update(subject=message.subject)
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
    _requeue(message)
    message.attempts = 0
    message.save(
        update_fields=["status", "attempts", "next_attempt_at", "failed_at", "retryable", "provider_id", "updated_at"]
    )
    enqueue(SEND_TASK, message.pk)
    return message


def _requeue(message: Message) -> None:
    message.status = Message.Status.QUEUED
    message.next_attempt_at = None
    message.failed_at = None
    message.retryable = False
    # Late reports about the previous send must not move the new one.
    message.provider_id = ""


def messages_enqueue_due(*, grace: timedelta = timedelta(minutes=1)) -> int:
    """Re-queue messages whose retry time has come (and any whose first
    enqueue was lost, or whose worker died mid-send), and put back in the
    queue FAILED messages WhatsApp said may succeed later. Claiming makes a
    double enqueue harmless."""
    now = timezone.now()
    due = Message.objects.filter(status=Message.Status.QUEUED, created_at__lte=now - grace).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    retryable = Message.objects.filter(status=Message.Status.FAILED, retryable=True, next_attempt_at__lte=now)
    with transaction.atomic():
        revived = list(retryable.values_list("pk", flat=True)[:1000])
        if revived:
            retryable.filter(pk__in=revived).update(
                status=Message.Status.QUEUED,
                next_attempt_at=None,
                failed_at=None,
                retryable=False,
                provider_id="",
                updated_at=now,
            )
        ids = list(due.values_list("pk", flat=True)[:1000])
        for pk in dict.fromkeys([*ids, *revived]):
            enqueue(SEND_TASK, pk)
    return len(set(ids) | set(revived))
