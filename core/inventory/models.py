"""Stock for sale at the desk: products, their variants (SKUs) and the ledger
of stock movements. ``SKU.stock_on_hand`` is a running total that only
``core.inventory.services.stock`` changes, one movement at a time."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from core.common.history import History
from core.common.models import TimeStampedModel
from core.common.money import MoneyField

validate_sku_code = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
    "Use letters, digits, “-”, “_”, “.” or “/” (no spaces), starting with a letter or digit, e.g. WHEY-1KG-CHOC.",
)


class Product(TimeStampedModel):
    """What the gym sells, e.g. "Whey Protein"; sizes and flavours are its SKUs."""

    class Category(models.TextChoices):
        SUPPLEMENT = "SUPPLEMENT", "Supplement"
        APPAREL = "APPAREL", "Apparel"
        EQUIPMENT = "EQUIPMENT", "Equipment"
        DRINK = "DRINK", "Drink"
        OTHER = "OTHER", "Other"

    name = models.CharField(max_length=120)
    category = models.CharField(max_length=10, choices=Category.choices, default=Category.OTHER, db_index=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True, help_text="Untick to stop selling every variant of it.")

    history = History()

    class Meta:
        ordering = ["name"]
        constraints = [
            # Imports find products by name, so "whey protein" and "Whey Protein" are one product.
            models.UniqueConstraint(
                Lower("name"),
                name="inventory_product_name_ci_unique",
                violation_error_message="A product with this name already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SKU(TimeStampedModel):
    """One sellable variant of a product (size, flavour, colour) with its own
    code, price, cost and stock."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="skus")
    code = models.CharField(
        "SKU code", max_length=40, validators=[validate_sku_code], help_text="Unique, e.g. WHEY-1KG-CHOC."
    )
    size = models.CharField(max_length=30, blank=True, help_text="e.g. 1 kg, M, 500 ml")
    flavour = models.CharField(max_length=40, blank=True)
    colour = models.CharField(max_length=30, blank=True)
    price = MoneyField(help_text="Selling price at the desk.")
    cost = MoneyField(help_text="What one unit costs the gym; used for the stock value.")
    low_stock_threshold = models.PositiveIntegerField(
        default=5, help_text="Listed as low stock when the stock is at or below this."
    )
    # Changed only by stock movements (services/stock.py), never by a form.
    stock_on_hand = models.IntegerField(default=0, editable=False)
    is_active = models.BooleanField(default=True, help_text="Untick to stop selling this variant.")

    history = History()

    class Meta:
        verbose_name = "SKU"
        verbose_name_plural = "SKUs"
        ordering = ["code"]
        permissions = [
            ("sell_sku", "Can sell products at the desk"),
            ("move_stock", "Can receive, adjust and write off stock"),
            ("take_stock", "Can record a stock take"),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("code"),
                name="inventory_sku_code_ci_unique",
                violation_error_message="A SKU with this code already exists (codes ignore upper/lower case).",
            ),
            models.CheckConstraint(
                condition=models.Q(stock_on_hand__gte=0),
                name="inventory_sku_stock_not_negative",
                violation_error_message="Stock on hand cannot be negative.",
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=0),
                name="inventory_sku_price_not_negative",
                violation_error_message="The price cannot be negative.",
            ),
            models.CheckConstraint(
                condition=models.Q(cost__gte=0),
                name="inventory_sku_cost_not_negative",
                violation_error_message="The cost cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self):
        self.code = (self.code or "").strip()

    @property
    def attributes(self) -> str:
        """ "1 kg · Chocolate": the variant in words."""
        return " · ".join(value for value in (self.size, self.flavour, self.colour) if value)

    @property
    def label(self) -> str:
        """ "Whey Protein 1 kg · Chocolate (WHEY-1KG-CHOC)": for invoices and pickers."""
        name = f"{self.product.name} {self.attributes}".strip()
        return f"{name} ({self.code})"

    @property
    def is_low(self) -> bool:
        return self.stock_on_hand <= self.low_stock_threshold


class StockMovement(models.Model):
    """One change of one SKU's stock: the ledger. Rows are written by
    ``stock_move`` only and never edited; a mistake is corrected by another
    movement."""

    class Kind(models.TextChoices):
        RECEIVED = "RECEIVED", "Received"
        SOLD = "SOLD", "Sold"
        ADJUSTMENT = "ADJUSTMENT", "Adjustment"
        DAMAGED = "DAMAGED", "Damaged / written off"
        RETURNED = "RETURNED", "Returned by a customer"
        STOCKTAKE = "STOCKTAKE", "Stock-take correction"

    # Kinds that can only add stock, and kinds that can only take it out.
    INCOMING = (Kind.RECEIVED, Kind.RETURNED)
    OUTGOING = (Kind.SOLD, Kind.DAMAGED)

    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=10, choices=Kind.choices, db_index=True)
    quantity = models.IntegerField(help_text="Signed: positive adds stock, negative takes it out.")
    stock_after = models.IntegerField(help_text="Stock on hand right after this movement.")
    reason = models.CharField(max_length=255, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="stock_movements"
    )

    history = History()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["sku", "at"], name="inventory_move_sku_at_idx")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(quantity=0), name="inventory_move_quantity_not_zero"),
            models.CheckConstraint(condition=models.Q(stock_after__gte=0), name="inventory_move_stock_not_negative"),
            models.CheckConstraint(
                condition=~models.Q(kind="ADJUSTMENT") | ~models.Q(reason=""),
                name="inventory_move_adjustment_has_reason",
                violation_error_message="An adjustment needs a reason.",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["RECEIVED", "RETURNED"]) | models.Q(quantity__gt=0),
                name="inventory_move_incoming_positive",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["SOLD", "DAMAGED"]) | models.Q(quantity__lt=0),
                name="inventory_move_outgoing_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d} {self.sku_id and self.sku.code}"
