"""Daily digest section about stock (registered in InventoryConfig.ready)."""

import datetime

from core.inventory.selectors import low_stock_skus
from core.notifications.digest import DigestSection


def low_stock_section(today: datetime.date) -> DigestSection:
    """Active SKUs at or below their low-stock threshold, emptiest first."""
    skus = list(low_stock_skus().select_related("product")[:30])
    lines = [
        f"{sku.code} ({sku.product.name}): {sku.stock_on_hand} left, reorder at {sku.low_stock_threshold}"
        for sku in skus
    ]
    summary = f"{len(skus)} SKU{'s' if len(skus) != 1 else ''} to reorder" if skus else ""
    return DigestSection(title="Low stock", summary=summary, lines=lines)
