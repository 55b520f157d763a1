"""Reading stock: low stock (admin report, daily digest, dashboard), stock
value at cost, and the movement ledger."""

import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, QuerySet, Sum
from django.db.models.functions import Coalesce

from core.inventory.models import SKU, Product, StockMovement

_MONEY = DecimalField(max_digits=14, decimal_places=2)
VALUE_AT_COST = ExpressionWrapper(F("stock_on_hand") * F("cost"), output_field=_MONEY)


def skus_with_value(skus: QuerySet[SKU] | None = None) -> QuerySet[SKU]:
    """SKUs annotated with ``value_at_cost`` (stock on hand × cost), product loaded."""
    skus = SKU.objects.all() if skus is None else skus
    return skus.select_related("product").annotate(value_at_cost=VALUE_AT_COST)


def products_with_stock(products: QuerySet[Product] | None = None) -> QuerySet[Product]:
    """Products annotated with ``sku_count``, ``units_in_stock`` and ``value_at_cost`` over their SKUs."""
    products = Product.objects.all() if products is None else products
    value = ExpressionWrapper(F("skus__stock_on_hand") * F("skus__cost"), output_field=_MONEY)
    return products.annotate(
        sku_count=Count("skus"),
        units_in_stock=Coalesce(Sum("skus__stock_on_hand"), 0),
        value_at_cost=Coalesce(Sum(value), Decimal("0"), output_field=_MONEY),
    )


def low_stock_skus() -> QuerySet[SKU]:
    """Active SKUs of active products at or below their low-stock threshold,
    emptiest first (out of stock at the top)."""
    return (
        skus_with_value()
        .filter(is_active=True, product__is_active=True, stock_on_hand__lte=F("low_stock_threshold"))
        .order_by("stock_on_hand", "product__name", "code")
    )


def stock_value_at_cost(skus: QuerySet[SKU] | None = None) -> Decimal:
    """What the stock on the shelves cost the gym, in the gym's currency."""
    skus = SKU.objects.all() if skus is None else skus
    total = skus.aggregate(value=Coalesce(Sum(VALUE_AT_COST), Decimal("0"), output_field=_MONEY))["value"]
    return total.quantize(Decimal("0.01"))


def movement_ledger(
    *, sku: SKU | None = None, since: datetime.datetime | None = None, until: datetime.datetime | None = None
) -> QuerySet[StockMovement]:
    """Movements oldest first (a ledger reads down), optionally for one SKU and
    a time window [since, until)."""
    movements = StockMovement.objects.select_related("sku__product", "by", "invoice")
    if sku is not None:
        movements = movements.filter(sku=sku)
    if since is not None:
        movements = movements.filter(at__gte=since)
    if until is not None:
        movements = movements.filter(at__lt=until)
    return movements.order_by("at", "pk")
