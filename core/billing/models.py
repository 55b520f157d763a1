import uuid

from django.conf import settings
from django.db import models

from core.common.history import History
from core.common.models import TimeStampedModel
from core.common.money import MoneyField


def private_pdf_path(instance, filename: str) -> str:
    # Year folders keep directories small; the random part makes paths unguessable.
    return f"billing/{instance.created_at:%Y}/{uuid.uuid4().hex}-{filename}"


class Invoice(TimeStampedModel):
    """A bill. Once issued it never changes except its payment status;
    a correction is a void (with a reason) plus a new invoice."""

    class Status(models.TextChoices):
        ISSUED = "ISSUED", "Issued"
        PARTIAL = "PARTIAL", "Partly paid"
        PAID = "PAID", "Paid"
        VOID = "VOID", "Void"

    number = models.CharField(max_length=20, unique=True, editable=False)
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    customer_name = models.CharField(
        max_length=120, blank=True, help_text="For walk-in customers without a member record."
    )
    currency = models.CharField(max_length=3, default="BDT")
    issued_on = models.DateField()
    due_on = models.DateField()
    total = MoneyField()
    amount_paid = MoneyField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ISSUED, db_index=True)
    note = models.CharField(max_length=255, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    void_reason = models.CharField(max_length=255, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by",
        help_text="The void invoice this one corrects.",
    )  # fmt: skip
    pdf = models.FileField(upload_to=private_pdf_path, blank=True)

    history = History(excluded_fields=["pdf"])

    class Meta:
        ordering = ["-issued_on", "-number"]
        indexes = [
            models.Index(fields=["status", "due_on"], name="billing_invoice_status_due_idx"),
            # The admin list's order (newest first): a page by index, not a sort of every invoice.
            models.Index(fields=["issued_on", "number"], name="billing_invoice_issued_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(total__gte=0), name="billing_invoice_total_not_negative"),
            models.CheckConstraint(condition=models.Q(amount_paid__gte=0), name="billing_invoice_paid_not_negative"),
            models.CheckConstraint(
                condition=models.Q(amount_paid__lte=models.F("total")), name="billing_invoice_not_overpaid"
            ),
            models.CheckConstraint(
                condition=models.Q(member__isnull=False) | ~models.Q(customer_name=""),
                name="billing_invoice_has_customer",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def balance(self):
        return self.total - self.amount_paid

    @property
    def customer(self) -> str:
        return self.member.display_name if self.member_id else self.customer_name


class InvoiceLine(models.Model):
    class Kind(models.TextChoices):
        MEMBERSHIP = "MEMBERSHIP", "Membership"
        CLASS_PACK = "CLASS_PACK", "Class pack"
        PRODUCT = "PRODUCT", "Product"
        OTHER = "OTHER", "Other"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OTHER)
    description = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField(default=1)
    unit_price = MoneyField()
    amount = MoneyField()
    class_pack = models.ForeignKey(
        "billing.ClassPack", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="billing_line_quantity_positive"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="billing_line_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"


class Payment(TimeStampedModel):
    """Money received against an invoice; a refund is a negative payment with a reason."""

    class Method(models.TextChoices):
        CASH = "CASH", "Cash"
        BKASH = "BKASH", "bKash"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = MoneyField()
    method = models.CharField(max_length=6, choices=Method.choices, default=Method.CASH)
    reference = models.CharField(max_length=64, blank=True, help_text="bKash trxID or a cash receipt book number.")
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=255, blank=True)
    refund_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds")
    receipt_number = models.CharField(max_length=20, unique=True, editable=False)
    receipt_pdf = models.FileField(upload_to=private_pdf_path, blank=True)

    history = History(excluded_fields=["receipt_pdf"])

    class Meta:
        ordering = ["-received_at"]
        # The admin list's order (newest first, pk to break ties): a page by index, not a sort.
        indexes = [models.Index(fields=["received_at", "id"], name="billing_payment_received_idx")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="billing_payment_not_zero"),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0) | ~models.Q(note=""), name="billing_refund_has_reason"
            ),
            # A bKash transaction is recorded once, whoever reports it first (callback or IPN).
            models.UniqueConstraint(
                fields=["method", "reference"],
                condition=models.Q(method="BKASH", amount__gt=0),
                name="billing_payment_bkash_trx_once",
            ),
        ]

    def __str__(self) -> str:
        return self.receipt_number

    @property
    def is_refund(self) -> bool:
        return self.amount < 0


class ClassPack(TimeStampedModel):
    """A bundle of class credits for sale; a single class purchase is a pack of one."""

    name = models.CharField(max_length=80, unique=True)
    credits = models.PositiveSmallIntegerField()
    price = MoneyField()
    validity_days = models.PositiveSmallIntegerField(default=30)
    is_active = models.BooleanField(default=True)

    history = History()

    class Meta:
        ordering = ["credits"]
        constraints = [
            models.CheckConstraint(condition=models.Q(credits__gte=1), name="billing_pack_credits_positive"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="billing_pack_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class ClassCredit(TimeStampedModel):
    """Credits a member holds from one purchase (or a plan term); bookings use them."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="class_credits")
    invoice_line = models.OneToOneField(
        InvoiceLine, null=True, blank=True, on_delete=models.PROTECT, related_name="class_credit"
    )
    total = models.PositiveSmallIntegerField()
    used = models.PositiveSmallIntegerField(default=0)
    expires_on = models.DateField(db_index=True)
    note = models.CharField(max_length=120, blank=True)

    history = History()

    class Meta:
        ordering = ["expires_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(used__lte=models.F("total")), name="billing_credit_not_overused"),
        ]

    def __str__(self) -> str:
        return f"{self.remaining}/{self.total} credits until {self.expires_on:%d %b %Y}"

    @property
    def remaining(self) -> int:
        return self.total - self.used


class WebhookEvent(models.Model):
    """An incoming webhook, stored before processing so nothing is lost and
    replays are harmless (unique per source and event id)."""

    source = models.CharField(max_length=20)
    event_id = models.CharField(max_length=200)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["source", "event_id"], name="billing_webhook_event_once")]

    def __str__(self) -> str:
        return f"{self.source} {self.event_id}"


class BkashCheckout(TimeStampedModel):
    """One attempt to pay an invoice through bKash: ties bKash's paymentID to
    our invoice and amount, so nothing from the browser is ever trusted."""

    class Status(models.TextChoices):
        INITIATED = "INITIATED", "Waiting for the payer"
        COMPLETED = "COMPLETED", "Completed"
        CANCELLED = "CANCELLED", "Cancelled"
        FAILED = "FAILED", "Failed"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="bkash_checkouts")
    bkash_payment_id = models.CharField("bKash paymentID", max_length=64, unique=True)
    # Where the payer's browser goes; kept so a double-clicked pay button
    # sends the second click to the same bKash page instead of a new payment.
    bkash_url = models.URLField("bKash page", max_length=500, blank=True)
    amount = MoneyField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INITIATED, db_index=True)
    trx_id = models.CharField(max_length=64, blank=True)
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="bkash_checkout"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_error = models.CharField(max_length=255, blank=True)

    history = History()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"bKash {self.bkash_payment_id} for {self.invoice}"
