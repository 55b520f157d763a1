"""Products and SKUs: codes unique ignoring case, prices and costs not negative."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.inventory.models import SKU, Product
from fixtures.inventory_factories import ProductFactory, SKUFactory

pytestmark = pytest.mark.django_db


def new_sku(**fields) -> SKU:
    fields.setdefault("product", ProductFactory())
    fields.setdefault("price", Decimal("100.00"))
    fields.setdefault("cost", Decimal("60.00"))
    return SKU(**fields)


def test_a_sku_code_that_differs_only_in_case_is_refused_with_a_clear_message():
    # given
    SKUFactory(code="WHEY-1KG-CHOC")
    # when
    with pytest.raises(ValidationError) as refused:
        new_sku(code="whey-1kg-choc").full_clean()
    # then
    assert "A SKU with this code already exists" in str(refused.value)


def test_the_database_refuses_a_duplicate_code_that_skipped_validation():
    SKUFactory(code="WHEY-1KG-CHOC")
    with pytest.raises(IntegrityError), transaction.atomic():
        new_sku(code="Whey-1kg-Choc").save()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"price": Decimal("-1.00")}, "The price cannot be negative."),
        ({"cost": Decimal("-0.01")}, "The cost cannot be negative."),
        ({"code": "WHEY 1KG"}, "no spaces"),
        ({"code": ""}, "This field cannot be blank."),
    ],
)
def test_bad_sku_values_are_refused(fields, message):
    sku = new_sku(**{"code": "OK-1", **fields})
    with pytest.raises(ValidationError) as refused:
        sku.full_clean()
    assert message in str(refused.value)


def test_stock_on_hand_is_not_a_form_field():
    assert not SKU._meta.get_field("stock_on_hand").editable


def test_product_names_are_unique_ignoring_case():
    ProductFactory(name="Whey Protein")
    with pytest.raises(ValidationError, match="A product with this name already exists"):
        Product(name="whey protein", category=Product.Category.SUPPLEMENT).full_clean()


def test_label_and_attributes_describe_the_variant():
    sku = SKUFactory(
        product=ProductFactory(name="Whey Protein"), code="WHEY-1KG-CHOC", size="1 kg", flavour="Chocolate"
    )
    assert sku.attributes == "1 kg · Chocolate"
    assert sku.label == "Whey Protein 1 kg · Chocolate (WHEY-1KG-CHOC)"


def test_every_change_keeps_history(db):
    sku = SKUFactory(price=Decimal("100.00"))
    sku.price = Decimal("120.00")
    sku.save()
    assert [h.price for h in sku.history.order_by("history_date")] == [Decimal("100.00"), Decimal("120.00")]
