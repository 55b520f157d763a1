"""Importing the catalogue: every row checked first, nothing written when
any row is bad; stock only through an opening RECEIVED movement."""

from decimal import Decimal

import pytest

from core.common.models import AuditEvent
from core.common.tabular import ImportRejected, Table
from core.inventory.importing import products_import, skus_import, skus_import_check
from core.inventory.models import SKU, Product, StockMovement
from fixtures.inventory_factories import ProductFactory, SKUFactory

pytestmark = pytest.mark.django_db


def table(text: str) -> Table:
    lines = [line.split(",") for line in text.strip().splitlines()]
    return Table(headers=lines[0], rows=[(n, cells) for n, cells in enumerate(lines[1:], start=2)])


def problems(exc: ImportRejected) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_products_are_created_and_updated_by_name(clerk):
    # given
    ProductFactory(name="Whey Protein", category=Product.Category.OTHER, description="old")
    # when
    result = products_import(
        table=table("name,category,is_active\nwhey protein,Supplement,yes\nGym T-shirt,apparel,no"), by=clerk
    )
    # then
    assert (result.created, result.updated) == (1, 1)
    whey = Product.objects.get(name__iexact="whey protein")
    assert (whey.name, whey.category, whey.description) == ("whey protein", "SUPPLEMENT", "old")
    assert Product.objects.get(name="Gym T-shirt").is_active is False
    assert AuditEvent.objects.get(action="inventory.products_imported").actor == clerk


def test_bad_product_rows_are_all_reported_and_nothing_is_written(clerk):
    with pytest.raises(ImportRejected) as rejected:
        products_import(table=table("name,category\nShaker,equipment\nPills,medicine\nShaker,other\n,drink"), by=clerk)
    assert problems(rejected) == [
        "Row 3: category “medicine” is not one of: supplement, apparel, equipment, drink, other.",
        "Row 4: name “Shaker” also appears in row 2.",
        "Row 5: name is empty.",
    ]
    assert not Product.objects.exists()


def test_skus_import_with_opening_stock_as_a_received_movement(clerk):
    # given
    whey = ProductFactory(name="Whey Protein")
    existing = SKUFactory(product=whey, code="WHEY-1KG-VAN", price=Decimal("3000.00"), stock=4)
    data = (
        "product,code,flavour,price,cost,low_stock_threshold,opening_stock,stock_on_hand\n"
        "Whey Protein,WHEY-1KG-CHOC,Chocolate,3500,2600.50,4,12,\n"
        "whey protein,whey-1kg-van,Vanilla,3200.00,2500,,,4"
    )
    # when
    result = skus_import(table=table(data), by=clerk, source="catalogue.csv")
    # then
    assert (result.created, result.updated, result.received) == (1, 1, 12)
    choc = SKU.objects.get(code="WHEY-1KG-CHOC")
    assert (choc.price, choc.cost, choc.low_stock_threshold, choc.stock_on_hand) == (
        Decimal("3500.00"), Decimal("2600.50"), 4, 12,
    )  # fmt: skip
    opening = StockMovement.objects.get(sku=choc)
    assert (opening.kind, opening.quantity, opening.by) == ("RECEIVED", 12, clerk)
    assert "catalogue.csv" in opening.reason
    existing.refresh_from_db()
    assert (existing.price, existing.flavour, existing.stock_on_hand) == (Decimal("3200.00"), "Vanilla", 4)


def test_bad_sku_rows_are_all_reported_and_nothing_is_written(clerk):
    # given
    ProductFactory(name="Whey Protein")
    SKUFactory(product=ProductFactory(name="Creatine"), code="CREA-300", stock=2)
    data = (
        "product,code,price,cost,low_stock_threshold,opening_stock,stock_on_hand\n"
        "Whey Protein,WHEY-1KG-CHOC,3500,2600,5,10,\n"  # fine on its own
        "Whey Protein,whey-1kg-choc,3500,2600,5,,\n"  # same code, other case
        "Whey Protein,CREA-300,100,50,,,\n"  # code of another product's SKU
        "Vitamins,VIT-C,-5,abc,-1,,\n"  # unknown product, negative price, bad cost, negative threshold
        "Creatine,CREA-300,900,600,,5,9\n"  # opening stock for an existing SKU, stock edited
        "Whey Protein,WHEY 2KG,1,1,,x,\n"  # space in code, bad opening stock
    )
    # when
    with pytest.raises(ImportRejected) as rejected:
        skus_import(table=table(data), by=clerk)
    # then
    found = problems(rejected)
    for expected in [
        "Row 3: code “whey-1kg-choc” also appears in row 2.",
        "Row 4: code “CREA-300” is already used by a SKU of Creatine; SKU codes must be unique.",
        "Row 5: product “Vitamins” does not exist; import or add the product first.",
        "Row 5: price -5 is negative.",
        "Row 5: cost “abc” is not an amount of money; write it like 1500 or 1500.00.",
        "Row 5: low_stock_threshold -1 must be between 0 and 1,000,000.",
        "Row 6: opening_stock is only for new SKUs; CREA-300 exists: use “Receive stock” for deliveries.",
        "Row 7: opening_stock “x” is not a whole number.",
    ]:
        assert expected in found
    assert any(p.startswith("Row 6: stock_on_hand cannot be changed by an import") for p in found)
    assert any(p.startswith("Row 7: code “WHEY 2KG”") for p in found)
    assert SKU.objects.count() == 1 and StockMovement.objects.count() == 1


def test_unknown_or_missing_columns_refuse_the_whole_file(db):
    with pytest.raises(ImportRejected) as rejected:
        skus_import_check(table=table("product,code,price,stock\nA,B,1,2"))
    assert "missing cost" in problems(rejected)[0] and "unknown “stock”" in problems(rejected)[0]
