from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

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
