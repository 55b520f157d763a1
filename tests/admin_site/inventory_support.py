"""Addresses and a stock reading the inventory admin test modules share."""

from core.inventory.models import SKU

SKUS = "/admin/inventory/sku/"
PRODUCTS = "/admin/inventory/product/"
MOVEMENTS = "/admin/inventory/stockmovement/"


def stock_of(sku: SKU) -> int:
    return SKU.objects.get(pk=sku.pk).stock_on_hand
