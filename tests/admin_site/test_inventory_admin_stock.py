"""Stock in the admin: the stock actions, stock take and the desk sale, each through a core service."""

from decimal import Decimal

import pytest

from core.billing.models import Invoice
from core.inventory.models import StockMovement
from fixtures.factories import MemberFactory
from tests.admin_site.inventory_support import SKUS, stock_of
from tests.support.responses import messages_of, text

pytestmark = pytest.mark.django_db


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
