"""The inventory catalogue in the admin: products with their SKUs, who may edit prices, import/export."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile

from core.inventory.models import SKU, Product, StockMovement
from fixtures.inventory_factories import ProductFactory, receive
from tests.admin_site.inventory_support import PRODUCTS, SKUS, stock_of
from tests.support.responses import text

pytestmark = pytest.mark.django_db


# --- catalogue edits ------------------------------------------------------------------------


def _product_form(product: Product, rows: list[dict]) -> dict:
    data = {
        "name": product.name, "category": product.category, "description": "", "is_active": "on",
        "skus-TOTAL_FORMS": str(len(rows)), "skus-INITIAL_FORMS": "0", "skus-MIN_NUM_FORMS": "0",
        "skus-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for i, row in enumerate(rows):
        data.update({f"skus-{i}-{k}": v for k, v in row.items()})
    return data


def _sku_row(code: str, **extra) -> dict:
    return {"code": code, "price": "100", "cost": "60", "low_stock_threshold": "2", "is_active": "on", **extra}


def test_skus_added_on_the_product_page_start_with_no_stock(client, admin_user):
    # given
    product = ProductFactory(name="Shaker Bottle")
    client.force_login(admin_user)
    # when: a stock_on_hand sneaked into the post is not a field and is ignored
    response = client.post(
        f"{PRODUCTS}{product.pk}/change/", _product_form(product, [_sku_row("SHAKER-700", stock_on_hand="50")])
    )
    # then
    assert response.status_code == 302
    assert SKU.objects.get(code="SHAKER-700").stock_on_hand == 0


def test_duplicate_sku_codes_ignoring_case_are_refused_on_the_product_page(client, admin_user, whey):
    # given
    product = ProductFactory(name="Shaker Bottle")
    client.force_login(admin_user)
    # when: one row clashes with the database, two rows with each other
    clash_db = client.post(f"{PRODUCTS}{product.pk}/change/", _product_form(product, [_sku_row("whey-1kg-choc")]))
    clash_rows = client.post(
        f"{PRODUCTS}{product.pk}/change/", _product_form(product, [_sku_row("SHAKER-1"), _sku_row("shaker-1")])
    )
    # then
    assert clash_db.status_code == 200 and "A SKU with this code already exists" in text(clash_db)
    assert clash_rows.status_code == 200 and "already used by another row" in text(clash_rows)
    assert not SKU.objects.filter(product=product).exists()


def test_support_staff_cannot_edit_prices_or_import(client, support_user, whey):
    client.force_login(support_user)
    response = client.post(f"{SKUS}{whey.pk}/change/", {"price": "1.00"})
    assert response.status_code == 403
    assert client.get(f"{SKUS}import/").status_code == 403
    assert SKU.objects.get(pk=whey.pk).price == Decimal("3500.00")


# --- import / export -----------------------------------------------------------------------


CSV, XLSX = "0", "1"


def upload(client, base: str, data: bytes, *, name="skus.csv", file_format=CSV):
    return client.post(
        f"{base}import/", {"resource": "0", "format": file_format, "import_file": SimpleUploadedFile(name, data)}
    )


def confirm(client, base: str, preview):
    form = preview.context["confirm_form"]
    return client.post(f"{base}process_import/", {name: form.initial.get(name, "") for name in form.fields})


def test_products_then_skus_import_with_a_preview_first(client, admin_user):
    # given
    client.force_login(admin_user)
    products = b"name,category,description\nWhey Protein,supplement,Isolate\nGym Tee,Apparel,\n"
    skus = (
        b"product,code,size,price,cost,opening_stock\n"
        b"Whey Protein,WHEY-2KG,2 kg,6000,4500,7\n"
        b"Gym Tee,TEE-M,M,900,450,\n"
    )
    # when: products
    preview = upload(client, PRODUCTS, products, name="products.csv")
    assert "2 new products, 0 updated" in text(preview) and not Product.objects.exists()
    assert confirm(client, PRODUCTS, preview).status_code == 302
    # when: SKUs
    preview = upload(client, SKUS, skus)
    assert "7 units of opening stock will be received." in text(preview) and not SKU.objects.exists()
    done = confirm(client, SKUS, preview)
    # then
    assert done.status_code == 302
    assert Product.objects.get(name="Gym Tee").category == "APPAREL"
    assert SKU.objects.get(code="WHEY-2KG").stock_on_hand == 7
    assert StockMovement.objects.get(sku__code="WHEY-2KG").by == admin_user
    assert SKU.objects.get(code="TEE-M").stock_on_hand == 0


def test_a_sku_file_with_bad_rows_shows_each_problem_and_writes_nothing(client, admin_user, whey):
    # given
    client.force_login(admin_user)
    data = (
        b"product,code,price,cost,low_stock_threshold\n"
        b"Whey Protein,NEW-1,100,60,2\n"
        b"Whey Protein,new-1,100,60,2\n"
        b"Whey Protein,WHEY-1KG-CHOC,-3,60,\n"
        b"Mystery,MYS-1,ten,60,-2\n"
    )
    # when
    response = upload(client, SKUS, data)
    # then
    page = text(response)
    for problem in (
        "code “new-1” also appears in row 2.",
        "price -3 is negative.",
        "product “Mystery” does not exist",
        "price “ten” is not an amount of money",
        "low_stock_threshold -2 must be between 0",
    ):
        assert problem in page
    assert "Confirm import" not in page
    assert [row.number for row in response.context["result"].invalid_rows] == [3, 4, 5]
    assert list(SKU.objects.values_list("code", flat=True)) == ["WHEY-1KG-CHOC"]
    assert SKU.objects.get(pk=whey.pk).price == Decimal("3500.00")


def test_an_exported_sku_file_imports_back_unchanged(client, admin_user, whey, creatine):
    # given
    client.force_login(admin_user)
    form = client.get(f"{SKUS}export/").context["form"]
    fields = {name: "on" for name, field in form.fields.items() if isinstance(field, forms.BooleanField)}
    # when
    exported = client.post(f"{SKUS}export/", {"format": XLSX, "resource": "0", **fields})
    rows = [
        list(r) for r in openpyxl.load_workbook(io.BytesIO(exported.content)).worksheets[0].iter_rows(values_only=True)
    ]
    preview = upload(client, SKUS, exported.content, name="skus.xlsx", file_format=XLSX)
    # then
    assert rows[0][:4] == ["product", "code", "price", "cost"] and "stock_on_hand" in rows[0]
    assert {r[1] for r in rows[1:]} == {"WHEY-1KG-CHOC", "CREA-300G"}
    assert "0 new SKUs, 2 updated" in text(preview)
    confirm(client, SKUS, preview)
    assert (stock_of(whey), stock_of(creatine)) == (10, 2)
    receive(whey, 1)  # still moves through the service afterwards
    assert stock_of(whey) == 11
