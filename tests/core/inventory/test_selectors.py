"""Low stock, stock value at cost and the movement ledger."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.inventory.models import StockMovement
from core.inventory.selectors import low_stock_skus, movement_ledger, skus_with_value, stock_value_at_cost
from core.inventory.services.stock import stock_move
from fixtures.inventory_factories import ProductFactory, SKUFactory

pytestmark = pytest.mark.django_db


def test_low_stock_lists_active_skus_at_or_below_their_threshold_emptiest_first(clerk):
    # given
    empty = SKUFactory(code="EMPTY", low_stock_threshold=3)
    at_threshold = SKUFactory(code="AT", low_stock_threshold=3, stock=3)
    SKUFactory(code="PLENTY", low_stock_threshold=3, stock=4)
    SKUFactory(code="RETIRED", low_stock_threshold=3, is_active=False)
    SKUFactory(code="OLD-PRODUCT", product=ProductFactory(is_active=False), low_stock_threshold=3)
    # when
    low = list(low_stock_skus())
    # then
    assert [s.code for s in low] == ["EMPTY", "AT"]
    assert low[0] == empty and low[1] == at_threshold


def test_stock_value_is_stock_times_cost(clerk):
    # given
    a = SKUFactory(cost=Decimal("1000.50"), stock=3)
    SKUFactory(cost=Decimal("25.00"), stock=4)
    SKUFactory(cost=Decimal("99.00"))  # none in stock
    # when / then
    assert stock_value_at_cost() == Decimal("3101.50")
    assert skus_with_value().get(pk=a.pk).value_at_cost == Decimal("3001.50")


def test_stock_value_of_nothing_is_zero(db):
    assert stock_value_at_cost() == Decimal("0.00")


def test_ledger_reads_oldest_first_per_sku_and_window(clerk):
    # given
    sku, other = SKUFactory(stock=5), SKUFactory(stock=1)
    stock_move(sku=sku, kind=StockMovement.Kind.DAMAGED, quantity=-1, reason="Torn", by=clerk)
    later = timezone.now() + datetime.timedelta(seconds=1)
    # when
    rows = list(movement_ledger(sku=sku))
    # then
    assert [(m.kind, m.quantity, m.stock_after) for m in rows] == [("RECEIVED", 5, 5), ("DAMAGED", -1, 4)]
    assert other.pk not in {m.sku_id for m in rows}
    assert list(movement_ledger(since=later)) == []
    assert len(movement_ledger(until=later)) == 3
