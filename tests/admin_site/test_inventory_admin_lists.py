"""Inventory lists in the admin: pages for both staff roles, the SKU list and low stock, the ledger."""

import pytest

from core.inventory.models import StockMovement
from fixtures.inventory_factories import ProductFactory, SKUFactory
from tests.admin_site.inventory_support import MOVEMENTS, PRODUCTS, SKUS
from tests.support.responses import get_queries, text

pytestmark = pytest.mark.django_db


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


def test_the_sku_list_runs_in_a_fixed_number_of_queries(client, admin_user):
    # given
    client.force_login(admin_user)
    for _ in range(5):
        SKUFactory(stock=2)
    client.get(SKUS)  # warm caches (content types, session)
    with_5 = get_queries(client, SKUS)
    # when
    for _ in range(25):
        SKUFactory(product=ProductFactory(), stock=1)
    with_30 = get_queries(client, SKUS)
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
