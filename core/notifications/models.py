from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from core.common.models import TimeStampedModel


class Message(TimeStampedModel):
    """The outbox: one row per email or WhatsApp message GymOS sends.

    Rows are written in the same transaction as the change that causes them;
    a worker sends them after commit. ``dedupe_key`` is unique, so asking for
    the same message twice never sends it twice. The row is its own audit
    trail (status, attempts, timestamps, last error), so it keeps no separate
    history table.
    """

    class Channel(models.TextChoices):
        EMAIL = "EMAIL", "Email"
        WHATSAPP = "WHATSAPP", "WhatsApp"

    class Status(models.TextChoices):
        QUEUED = "QUEUED", "Queued"
        SENT = "SENT", "Sent"
        DELIVERED = "DELIVERED", "Delivered"
        READ = "READ", "Read"
        FAILED = "FAILED", "Failed"

    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    recipient = models.CharField(max_length=254, help_text="Email address or E.164 phone number.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    template = models.CharField(max_length=100, db_index=True)
    context = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    attachments = models.JSONField(
        default=list, blank=True, help_text="Files from private storage: [{path, filename, mimetype}]."
    )
    dedupe_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    provider_id = models.CharField(max_length=200, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Not before this time: a lease while a worker sends, then the retry backoff.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Only meaningful while FAILED: WhatsApp reported a failure that may pass
    # (rate limit, an outage), so the retry sweep sends it again once
    # ``next_attempt_at`` has come, while attempts remain.
    retryable = models.BooleanField(default=False)
    subject = models.CharField(max_length=255, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notif_msg_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} “{self.template}” to {self.recipient} ({self.get_status_display()})"


class PendingStatus(models.Model):
    """A WhatsApp status report for a message id (wamid) no Message carries yet.

    WhatsApp (and the simulator) may report "sent" before the worker has
    stored the id it got back from the send; the report waits here and is
    applied as soon as the id is stored. Reports for ids that never turn up
    (messages sent by hand from WhatsApp Manager) are purged after a while.
    """

    provider_id = models.CharField(max_length=200, db_index=True)
    status = models.CharField(max_length=10, choices=Message.Status.choices)
    timestamp = models.DateTimeField(help_text="When WhatsApp says it happened.")
    error = models.TextField(blank=True)
    retryable = models.BooleanField(default=False)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name_plural = "pending statuses"
        constraints = [
            # A duplicate report adds nothing: one row per id and status.
            models.UniqueConstraint(fields=["provider_id", "status"], name="notif_pending_status_once"),
        ]

    def __str__(self) -> str:
        return f"{self.status} for {self.provider_id}"
