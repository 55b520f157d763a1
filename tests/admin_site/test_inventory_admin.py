"""Inventory in the admin: the SKU list, products with SKUs, the ledger, the
stock actions, the desk sale, stock take and low-stock pages, and catalogue
import/export. Every write goes through a core service."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.billing.models import Invoice
from core.inventory.models import SKU, Product, StockMovement
from fixtures.factories import MemberFactory
from fixtures.inventory_factories import ProductFactory, SKUFactory, receive

pytestmark = pytest.mark.django_db

SKUS = "/admin/inventory/sku/"
PRODUCTS = "/admin/inventory/product/"
MOVEMENTS = "/admin/inventory/stockmovement/"
CSV, XLSX = "0", "1"


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def stock_of(sku: SKU) -> int:
    return SKU.objects.get(pk=sku.pk).stock_on_hand


@pytest.fixture
def whey(db):
    return SKUFactory(
        product=ProductFactory(name="Whey Protein"), code="WHEY-1KG-CHOC", flavour="Chocolate",
        price=Decimal("3500.00"), cost=Decimal("2600.00"), low_stock_threshold=3, stock=10,
    )  # fmt: skip


@pytest.fixture
def creatine(db):
    return SKUFactory(
        product=ProductFactory(name="Creatine"), code="CREA-300G", price=Decimal("1800.00"),
        cost=Decimal("1200.00"), low_stock_threshold=5, stock=2,
    )  # fmt: skip


# --- pages render for both staff roles ------------------------------------------------------


@pytest.mark.parametrize("role", ["admin_user", "support_user"])
def test_inventory_pages_render_for_admin_and_support(client, request, role, whey, creatine):
    # given
    client.force_login(request.getfixturevalue(role))
    pages = [
        SKUS, f"{SKUS}{whey.pk}/change/", f"{SKUS}?stock=low", PRODUCTS, f"{PRODUCTS}{whey.product_id}/change/",
        MOVEMENTS, f"{MOVEMENTS}?sku__id__exact={whey.pk}", f"{SKUS}desk-sale/", f"{SKUS}stock-take/",
        f"{SKUS}low-stock/", f"{SKUS}{whey.pk}/receive_one/",
    ]  # fmt: skip
    # when / then
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    sidebar = text(client.get(SKUS))
    for item in ("Desk sale", "Stock (SKUs)", "Products", "Stock movements", "Low stock", "Stock take"):
        assert item in sidebar


def test_the_sku_list_shows_stock_value_and_flags_low_stock(client, admin_user, whey, creatine):
    # given
    client.force_login(admin_user)
    # when
    page = text(client.get(SKUS))
    # then: 10 × 2,600 and 2 × 1,200 at cost; creatine is at or below its threshold of 5
    assert "৳26,000.00" in page and "৳2,400.00" in page
    assert "2 (low: ≤5)" in page
    assert "1 kg · Chocolate" in page


def test_the_low_stock_filter_and_report_list_only_low_skus(client, support_user, whey, creatine):
    # given
    client.force_login(support_user)
    # when
    filtered = client.get(f"{SKUS}?stock=low")
    report = text(client.get(f"{SKUS}low-stock/"))
    # then
    assert [sku.code for sku in filtered.context["cl"].result_list] == ["CREA-300G"]
    assert "CREA-300G" in report and "WHEY-1KG-CHOC" not in report
    assert "৳28,400.00" in report  # all stock at cost


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(SKUS)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_sku_list_runs_in_a_fixed_number_of_queries(client, admin_user):
    # given
    client.force_login(admin_user)
    for _ in range(5):
        SKUFactory(stock=2)
    client.get(SKUS)  # warm caches (content types, session)
    with_5 = _list_queries(client)
    # when
    for _ in range(25):
        SKUFactory(product=ProductFactory(), stock=1)
    with_30 = _list_queries(client)
    # then
    assert with_30 == with_5
    assert with_5 <= 15, with_5


def test_the_ledger_link_lists_only_that_skus_movements(client, admin_user, whey, creatine):
    # given
    client.force_login(admin_user)
    # when
    sku_page = text(client.get(f"{SKUS}{whey.pk}/change/"))
    ledger = client.get(f"{MOVEMENTS}?sku__id__exact={whey.pk}")
    # then
    assert f"?sku__id__exact={whey.pk}" in sku_page and "All 1 movement of this SKU" in sku_page
    assert [m.sku_id for m in ledger.context["cl"].result_list] == [whey.pk]


def test_movements_cannot_be_added_changed_or_deleted_in_the_admin(client, admin_user, whey):
    client.force_login(admin_user)
    movement = StockMovement.objects.get(sku=whey)
    assert client.get(f"{MOVEMENTS}add/").status_code == 403
    assert client.post(f"{MOVEMENTS}{movement.pk}/change/", {"quantity": 99}).status_code == 403
    assert client.post(f"{MOVEMENTS}{movement.pk}/delete/", {"post": "yes"}).status_code == 403
    assert StockMovement.objects.get(pk=movement.pk).quantity == 10


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


# --- stock actions ---------------------------------------------------------------------------


def test_receive_on_a_skus_page_adds_stock_through_a_movement(client, support_user, whey):
    # given
    client.force_login(support_user)
    # when
    response = client.post(
        f"{SKUS}{whey.pk}/receive_one/", {"quantity": "6", "reason": "Supplier inv 77", "_apply": "1"}
    )
    # then
    assert response.status_code == 302 and response["Location"] == f"{SKUS}{whey.pk}/change/"
    assert stock_of(whey) == 16
    movement = StockMovement.objects.filter(sku=whey).latest("pk")
    assert (movement.kind, movement.quantity, movement.reason, movement.by) == (
        "RECEIVED",
        6,
        "Supplier inv 77",
        support_user,
    )


def test_writing_off_more_than_in_stock_shows_the_stock_beside_the_quantity(client, admin_user, creatine):
    client.force_login(admin_user)
    response = client.post(f"{SKUS}{creatine.pk}/damaged_one/", {"quantity": "5", "reason": "Wet", "_apply": "1"})
    assert response.status_code == 200
    assert "Only 2 in stock of SKU CREA-300G" in text(response)
    assert stock_of(creatine) == 2


def test_a_customer_return_puts_stock_back_with_its_reason(client, support_user, creatine):
    client.force_login(support_user)
    response = client.post(
        f"{SKUS}{creatine.pk}/returned_one/", {"quantity": "1", "reason": "Unopened, INV-2026-000004", "_apply": "1"}
    )
    assert response.status_code == 302 and stock_of(creatine) == 3
    returned = StockMovement.objects.get(sku=creatine, kind="RETURNED")
    assert (returned.quantity, returned.reason) == (1, "Unopened, INV-2026-000004")


def test_an_adjustment_without_a_reason_is_refused(client, admin_user, whey):
    client.force_login(admin_user)
    response = client.post(f"{SKUS}{whey.pk}/adjust_one/", {"quantity": "-1", "reason": "", "_apply": "1"})
    assert response.status_code == 200 and "This field is required." in text(response)
    assert stock_of(whey) == 10


def test_bulk_damaged_action_applies_to_each_sku_and_reports_the_one_that_fails(client, admin_user, whey, creatine):
    # given
    client.force_login(admin_user)
    data = {"action": "damaged", "_selected_action": [whey.pk, creatine.pk], "quantity": "3", "reason": "Flood"}
    # when: the intermediate form, then the confirmed action
    form_page = client.post(SKUS, data)
    done = client.post(SKUS, {**data, "_apply": "1"}, follow=True)
    # then
    assert form_page.status_code == 200 and "Write off damaged stock" in text(form_page)
    assert (stock_of(whey), stock_of(creatine)) == (7, 2)
    found = messages_of(done)
    assert "1 SKU(s) updated." in found
    assert any("CREA-300G" in m and "Only 2 in stock of SKU CREA-300G" in m for m in found)


# --- stock take ------------------------------------------------------------------------------


def test_the_stock_take_page_records_differences_only(client, support_user, whey, creatine):
    # given
    client.force_login(support_user)
    page = client.get(f"{SKUS}stock-take/")
    assert "WHEY-1KG-CHOC" in text(page) and "CREA-300G" in text(page)
    # when: whey counted 9 (one missing), creatine counted as it is, nothing else counted
    response = client.post(
        f"{SKUS}stock-take/",
        {f"count_{whey.pk}": "9", f"count_{creatine.pk}": "2", "note": "Monthly count"},
        follow=True,
    )
    # then
    assert response.redirect_chain[-1][0] == SKUS
    assert (stock_of(whey), stock_of(creatine)) == (9, 2)
    take = StockMovement.objects.get(kind="STOCKTAKE")
    assert (take.sku, take.quantity, take.reason, take.by) == (whey, -1, "Monthly count", support_user)
    assert "Stock take recorded for 2 SKU(s): WHEY-1KG-CHOC -1." in messages_of(response)


def test_a_stock_take_with_a_negative_count_writes_nothing(client, admin_user, whey, creatine):
    client.force_login(admin_user)
    response = client.post(f"{SKUS}stock-take/", {f"count_{whey.pk}": "4", f"count_{creatine.pk}": "-1"})
    assert response.status_code == 200 and "greater than or equal to 0" in text(response)
    assert not StockMovement.objects.filter(kind="STOCKTAKE").exists()


# --- desk sale -------------------------------------------------------------------------------


def test_a_desk_sale_to_a_member_paid_in_cash(client, support_user, whey, creatine):
    # given
    member = MemberFactory()
    client.force_login(support_user)
    # when
    response = client.post(
        f"{SKUS}desk-sale/",
        {
            "member_code": member.code.lower(),
            "sku_1": whey.pk,
            "quantity_1": "2",
            "sku_2": creatine.pk,
            "paid_cash": "on",
        },
    )
    # then
    invoice = Invoice.objects.get(member=member)
    assert response.status_code == 302
    assert (invoice.total, invoice.status) == (Decimal("8800.00"), Invoice.Status.PAID)
    assert (stock_of(whey), stock_of(creatine)) == (8, 1)
    assert StockMovement.objects.filter(invoice=invoice, kind="SOLD").count() == 2


def test_a_desk_sale_that_cannot_be_filled_writes_nothing_and_says_why(client, support_user, whey, creatine):
    client.force_login(support_user)
    response = client.post(
        f"{SKUS}desk-sale/",
        {"customer_name": "Walk-in", "sku_1": whey.pk, "quantity_1": "1", "sku_2": creatine.pk, "quantity_2": "3"},
    )
    assert response.status_code == 200 and "Only 2 in stock of SKU CREA-300G" in text(response)
    assert not Invoice.objects.exists() and (stock_of(whey), stock_of(creatine)) == (10, 2)


def test_the_desk_sale_page_offers_no_inactive_sku_and_refuses_one_posted_anyway(client, support_user, whey):
    # given
    whey.is_active = False
    whey.save()
    client.force_login(support_user)
    # when
    page = text(client.get(f"{SKUS}desk-sale/"))
    posted = client.post(f"{SKUS}desk-sale/", {"customer_name": "Walk-in", "sku_1": whey.pk, "quantity_1": "1"})
    # then
    assert "WHEY-1KG-CHOC" not in page
    assert posted.status_code == 200 and "Select a valid choice" in text(posted)
    assert not Invoice.objects.exists()


def test_a_desk_sale_needs_a_known_member_or_a_walk_in_name(client, support_user, whey):
    client.force_login(support_user)
    unknown = text(client.post(f"{SKUS}desk-sale/", {"member_code": "M99999", "sku_1": whey.pk}))
    nobody = text(client.post(f"{SKUS}desk-sale/", {"sku_1": whey.pk}))
    assert "No member has the code “M99999”." in unknown
    assert "Enter the walk-in customer&#x27;s name, or a member code." in nobody
    assert not Invoice.objects.exists()


def test_people_without_the_right_cannot_sell_or_count(client, db):
    from fixtures.factories import SupportFactory

    # given: a desk account whose group lost the inventory rights
    clerk = SupportFactory()
    clerk.groups.clear()
    client.force_login(clerk)
    # when / then
    assert client.get(f"{SKUS}desk-sale/").status_code == 403
    assert client.get(f"{SKUS}stock-take/").status_code == 403


# --- import / export -----------------------------------------------------------------------


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
