"""Desk sales: one invoice and the SOLD movements together, all or nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.billing.models import Invoice, InvoiceLine, Payment
from core.common.models import Counter
from core.inventory.models import SKU, StockMovement
from core.inventory.services.sales import sale_create
from fixtures.factories import MemberFactory
from fixtures.inventory_factories import ProductFactory, SKUFactory

pytestmark = pytest.mark.django_db


def year() -> int:
    return timezone.localdate().year


def invoice_counter() -> int:
    counter = Counter.objects.filter(name=f"invoice:{year()}").first()
    return counter.value if counter else 0


def stock_of(sku: SKU) -> int:
    return SKU.objects.get(pk=sku.pk).stock_on_hand


@pytest.fixture
def whey(db):
    return SKUFactory(
        product=ProductFactory(name="Whey Protein"), code="WHEY-1KG-CHOC", flavour="Chocolate",
        price=Decimal("3500.00"), stock=10,
    )  # fmt: skip


@pytest.fixture
def water(db):
    return SKUFactory(
        product=ProductFactory(name="Water"), code="WATER-500", size="500 ml", price=Decimal("30.00"), stock=2
    )


def test_a_sale_makes_one_invoice_with_product_lines_and_sold_movements(clerk, whey, water):
    # given
    member = MemberFactory()
    # when
    invoice = sale_create(items=[(whey, 2), (water, 1)], member=member, by=clerk, paid_cash=False)
    # then
    assert invoice.member == member and invoice.status == Invoice.Status.ISSUED
    assert invoice.total == Decimal("7030.00")
    lines = [(line.kind, line.description, line.quantity, line.unit_price) for line in invoice.lines.all()]
    assert lines == [
        (InvoiceLine.Kind.PRODUCT, "Whey Protein 1 kg · Chocolate (WHEY-1KG-CHOC)", 2, Decimal("3500.00")),
        (InvoiceLine.Kind.PRODUCT, "Water 500 ml (WATER-500)", 1, Decimal("30.00")),
    ]
    sold = StockMovement.objects.filter(invoice=invoice).order_by("sku__code")
    assert [(m.sku.code, m.kind, m.quantity, m.by) for m in sold] == [
        ("WATER-500", "SOLD", -1, clerk),
        ("WHEY-1KG-CHOC", "SOLD", -2, clerk),
    ]
    assert (stock_of(whey), stock_of(water)) == (8, 1)


def test_a_walk_in_sale_paid_in_cash_is_paid_in_full(clerk, water):
    # when
    invoice = sale_create(items=[(water, 2)], customer_name="Walk-in: Rana", by=clerk, paid_cash=True)
    # then
    assert invoice.status == Invoice.Status.PAID and invoice.amount_paid == Decimal("60.00")
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.method, payment.amount, payment.received_by) == ("CASH", Decimal("60.00"), clerk)
    assert invoice.customer_name == "Walk-in: Rana"


def test_the_same_sku_twice_is_one_line(clerk, whey):
    invoice = sale_create(items=[(whey, 1), (whey, 2)], customer_name="Walk-in", by=clerk)
    assert [(line.quantity, line.amount) for line in invoice.lines.all()] == [(3, Decimal("10500.00"))]
    assert stock_of(whey) == 7


def test_a_failure_on_the_second_item_rolls_back_the_invoice_the_movements_and_the_number(clerk, whey, water):
    # given: one invoice issued today already
    sale_create(items=[(whey, 1)], customer_name="First", by=clerk)
    numbers_before = invoice_counter()
    # when: the second item wants more than the 2 in stock
    with pytest.raises(ValidationError) as refused:
        sale_create(items=[(whey, 1), (water, 5)], customer_name="Second", by=clerk, paid_cash=True)
    # then
    assert "Only 2 in stock of SKU WATER-500" in str(refused.value)
    assert not Invoice.objects.filter(customer_name="Second").exists()
    assert Invoice.objects.count() == 1 and not Payment.objects.exists()
    assert StockMovement.objects.filter(kind="SOLD").count() == 1
    assert (stock_of(whey), stock_of(water)) == (9, 2)
    # no invoice number was used up: the next sale gets the very next one
    assert invoice_counter() == numbers_before
    nxt = sale_create(items=[(water, 1)], customer_name="Third", by=clerk)
    assert nxt.number == f"INV-{year()}-{numbers_before + 1:06d}"


@pytest.mark.parametrize("inactive", ["sku", "product"])
def test_an_inactive_sku_or_product_cannot_be_sold(clerk, whey, inactive):
    # given
    if inactive == "sku":
        whey.is_active = False
        whey.save()
    else:
        whey.product.is_active = False
        whey.product.save()
    # when
    with pytest.raises(ValidationError) as refused:
        sale_create(items=[(whey, 1)], customer_name="Walk-in", by=clerk)
    # then
    assert "WHEY-1KG-CHOC is not for sale" in str(refused.value)
    assert not Invoice.objects.exists() and stock_of(whey) == 10


@pytest.mark.parametrize(
    ("items", "customer", "message"),
    [
        ("none", "Walk-in", "Add at least one item"),
        ("zero", "Walk-in", "at least 1"),
        ("one", "", "Choose a member or enter the walk-in customer's name"),
    ],
)
def test_incomplete_sales_are_refused(clerk, whey, items, customer, message):
    items = {"none": [], "zero": [(whey, 0)], "one": [(whey, 1)]}[items]
    with pytest.raises(ValidationError, match=message):
        sale_create(items=items, customer_name=customer, by=clerk)
    assert not Invoice.objects.exists() and stock_of(whey) == 10


def test_the_invoice_uses_the_price_at_the_time_of_sale(clerk, whey):
    first = sale_create(items=[(whey, 1)], customer_name="A", by=clerk)
    whey.price = Decimal("3800.00")
    whey.save()
    second = sale_create(items=[(whey, 1)], customer_name="B", by=clerk)
    assert (first.total, second.total) == (Decimal("3500.00"), Decimal("3800.00"))
