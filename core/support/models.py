import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone

from core.common.history import History
from core.common.models import TimeStampedModel

SUBJECT_MAX = 150
BODY_MAX = 5000


class Ticket(TimeStampedModel):
    """A member's support request. OPEN: waiting for staff; WAITING: staff
    answered and wait for the member; CLOSED: done (a member's reply reopens it)."""

    class Category(models.TextChoices):
        BILLING = "BILLING", "Billing and payments"
        CLASSES = "CLASSES", "Classes and bookings"
        FACILITIES = "FACILITIES", "Facilities and equipment"
        TRAINER = "TRAINER", "Trainers"
        OTHER = "OTHER", "Something else"

    class Status(models.TextChoices):
        OPEN = "OPEN", "Open"
        WAITING = "WAITING", "Waiting for member"
        CLOSED = "CLOSED", "Closed"

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="tickets")
    subject = models.CharField(max_length=SUBJECT_MAX)
    category = models.CharField(max_length=10, choices=Category.choices, default=Category.OTHER, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_tickets",
        limit_choices_to={"role__in": ["ADMIN", "SUPPORT"], "is_active": True},
    )  # fmt: skip
    last_reply_at = models.DateTimeField(default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    history = History()

    class Meta:
        ordering = ["-last_reply_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["OPEN", "WAITING", "CLOSED"]), name="support_ticket_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(category__in=["BILLING", "CLASSES", "FACILITIES", "TRAINER", "OTHER"]),
                name="support_ticket_category_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="CLOSED", closed_at__isnull=False)
                | (~models.Q(status="CLOSED") & models.Q(closed_at__isnull=True)),
                name="support_ticket_closed_at_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


def attachment_path(instance, filename: str) -> str:
    # A random name: the path tells nothing and cannot be guessed; the extension follows the checked format.
    ext = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(instance.attachment_type, "bin")
    return f"support/attachments/{uuid.uuid4().hex}.{ext}"


class TicketReply(models.Model):
    """One message in a ticket's thread: the member's opening message, their
    replies and staff answers. The image, if any, lives in private storage
    and is served only through the access-checked portal view."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    by_staff = models.BooleanField(default=False)
    body = models.TextField(validators=[MaxLengthValidator(BODY_MAX)])
    attachment = models.FileField(upload_to=attachment_path, blank=True, max_length=200)
    attachment_type = models.CharField(max_length=20, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    history = History()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name_plural = "ticket replies"

    def __str__(self) -> str:
        return f"{'Staff' if self.by_staff else 'Member'} reply on #{self.ticket_id} at {self.at:%d %b %Y %H:%M}"
