"""Stock: the low-stock list with what sold in a period (to judge reorders)."""

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from core.inventory.models import StockMovement
from core.inventory.selectors import low_stock_skus
from core.reports.periods import DateRange


def low_stock_count() -> int:
    return low_stock_skus().count()


def low_stock_with_sales(period: DateRange) -> QuerySet:
    """Low-stock SKUs (the inventory rule) with ``sold`` = units sold in ``period``."""
    sold = Q(movements__kind=StockMovement.Kind.SOLD, movements__at__gte=period.since, movements__at__lt=period.until)
    return low_stock_skus().annotate(sold=Coalesce(Sum(-F("movements__quantity"), filter=sold), 0))
