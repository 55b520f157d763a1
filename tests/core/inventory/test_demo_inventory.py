"""The demo stock: products, SKUs, movements and one low-stock SKU; idempotent."""

import pytest

from core.billing.models import Invoice
from core.common.actors import system_actor
from core.inventory.models import SKU, Product, StockMovement
from core.inventory.selectors import low_stock_skus
from fixtures.demo_inventory import DEMO_SKUS, seed_inventory

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return Product.objects.count(), SKU.objects.count(), StockMovement.objects.count(), Invoice.objects.count()


def test_seed_inventory_builds_the_demo_stock_once():
    # when
    with system_actor():
        first = seed_inventory()
    after_first = counts()
    with system_actor():
        second = seed_inventory()
    # then
    assert first == {"products": 5, "skus": len(DEMO_SKUS)} and second == {"products": 0, "skus": 0}
    assert counts() == after_first
    assert after_first[3] == 1  # the demo walk-in sale
    assert "CREA-300G" in {sku.code for sku in low_stock_skus()}
    assert {m.kind for m in StockMovement.objects.all()} == {"RECEIVED", "DAMAGED", "SOLD"}
    # the running totals equal the ledger
    for sku in SKU.objects.all():
        assert sku.stock_on_hand == sum(m.quantity for m in sku.movements.all())
