"""Stock changes only through movements: the running total, the sign rules,
never below zero, and stock takes."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.common.models import AuditEvent
from core.inventory.models import SKU, StockMovement
from core.inventory.services.stock import stock_move, stock_take
from fixtures.inventory_factories import SKUFactory

pytestmark = pytest.mark.django_db
Kind = StockMovement.Kind


def stock_of(sku: SKU) -> int:
    return SKU.objects.get(pk=sku.pk).stock_on_hand


def test_received_stock_adds_up_and_each_movement_records_the_stock_after(clerk):
    # given
    sku = SKUFactory(code="WHEY-1KG-CHOC")
    # when
    first = stock_move(sku=sku, kind=Kind.RECEIVED, quantity=12, reason="Delivery 1", by=clerk)
    second = stock_move(sku=sku, kind=Kind.DAMAGED, quantity=-2, reason="Torn bags", by=clerk)
    # then
    assert stock_of(sku) == 10 and sku.stock_on_hand == 10
    assert (first.stock_after, second.stock_after) == (12, 10)
    assert second.by == clerk and second.at is not None
    assert sum(m.quantity for m in StockMovement.objects.filter(sku=sku)) == 10


def test_a_movement_that_would_make_stock_negative_is_refused_naming_the_stock(clerk):
    # given
    sku = SKUFactory(code="WHEY-1KG-CHOC", stock=3)
    # when
    with pytest.raises(ValidationError) as refused:
        stock_move(sku=sku, kind=Kind.DAMAGED, quantity=-5, reason="Dropped", by=clerk)
    # then
    assert "Only 3 in stock of SKU WHEY-1KG-CHOC" in str(refused.value)
    assert stock_of(sku) == 3
    assert StockMovement.objects.filter(sku=sku).count() == 1  # only the delivery


def test_an_adjustment_can_take_stock_to_exactly_zero(clerk):
    sku = SKUFactory(stock=4)
    stock_move(sku=sku, kind=Kind.ADJUSTMENT, quantity=-4, reason="Expired", by=clerk)
    assert stock_of(sku) == 0


@pytest.mark.parametrize(
    ("kind", "quantity", "reason", "message"),
    [
        (Kind.ADJUSTMENT, 2, "", "Give a reason for the adjustment"),
        (Kind.ADJUSTMENT, 2, "   ", "Give a reason for the adjustment"),
        (Kind.RECEIVED, -2, "", "adds stock: the quantity must be positive"),
        (Kind.RETURNED, -1, "", "adds stock: the quantity must be positive"),
        (Kind.SOLD, 1, "", "takes stock out: the quantity must be negative"),
        (Kind.DAMAGED, 3, "", "takes stock out: the quantity must be negative"),
        (Kind.RECEIVED, 0, "", "cannot be zero"),
        (Kind.RECEIVED, "3", "", "must be a whole number"),
        ("STOLEN", 1, "", "is not a kind of stock movement"),
    ],
)
def test_bad_movements_are_refused_and_change_nothing(clerk, kind, quantity, reason, message):
    # given
    sku = SKUFactory(stock=5)
    # when
    with pytest.raises(ValidationError) as refused:
        stock_move(sku=sku, kind=kind, quantity=quantity, reason=reason, by=clerk)
    # then
    assert message in str(refused.value)
    assert stock_of(sku) == 5


def test_a_movement_needs_a_person(db):
    sku = SKUFactory()
    with pytest.raises(ValidationError, match="needs the person"):
        stock_move(sku=sku, kind=Kind.RECEIVED, quantity=1, by=None)


def test_the_database_itself_refuses_negative_stock(db):
    # given: a write that bypasses the service
    sku = SKUFactory(stock=1)
    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        SKU.objects.filter(pk=sku.pk).update(stock_on_hand=-1)


# --- stock take ------------------------------------------------------------------------


def test_stock_take_turns_differences_into_movements_and_leaves_unchanged_skus_alone(clerk):
    # given
    short, extra, same = SKUFactory(code="A-1", stock=10), SKUFactory(code="B-1", stock=4), SKUFactory(stock=7)
    # when
    movements = stock_take(counts={short.pk: 8, extra.pk: 6, same.pk: 7}, by=clerk, note="March count")
    # then
    assert sorted((m.sku.code, m.quantity, m.stock_after) for m in movements) == [("A-1", -2, 8), ("B-1", 2, 6)]
    assert all(m.kind == Kind.STOCKTAKE and m.reason == "March count" and m.by == clerk for m in movements)
    assert (stock_of(short), stock_of(extra), stock_of(same)) == (8, 6, 7)
    assert not StockMovement.objects.filter(sku=same, kind=Kind.STOCKTAKE).exists()
    audit = AuditEvent.objects.get(action="inventory.stock_take")
    assert audit.data["corrected"] == {"A-1": -2, "B-1": 2} and audit.actor == clerk


def test_stock_take_can_count_a_sku_down_to_zero(clerk):
    sku = SKUFactory(stock=3)
    stock_take(counts={sku.pk: 0}, by=clerk, note="")
    assert stock_of(sku) == 0
    assert StockMovement.objects.get(sku=sku, kind=Kind.STOCKTAKE).reason == "Stock take"


def test_stock_take_is_all_or_nothing(clerk):
    # given: one good count and one negative count
    good, bad = SKUFactory(code="GOOD-1", stock=5), SKUFactory(code="BAD-1", stock=5)
    # when
    with pytest.raises(ValidationError) as refused:
        stock_take(counts={good.pk: 2, bad.pk: -1}, by=clerk, note="")
    # then: the good one was not applied either
    assert "BAD-1: the count cannot be negative" in str(refused.value)
    assert (stock_of(good), stock_of(bad)) == (5, 5)
    assert not StockMovement.objects.filter(kind=Kind.STOCKTAKE).exists()


def test_stock_take_refuses_unknown_skus_and_an_empty_count(clerk):
    sku = SKUFactory(stock=1)
    with pytest.raises(ValidationError, match="Unknown SKU"):
        stock_take(counts={sku.pk: 0, 999999: 3}, by=clerk)
    with pytest.raises(ValidationError, match="at least one SKU"):
        stock_take(counts={}, by=clerk)
    assert stock_of(sku) == 1
