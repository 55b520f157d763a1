"""Every admin view that is not a ModelAdmin's standard page (the site's own
URLs, GymAdminSite.extra_urls, each ModelAdmin's get_urls additions: unfold
actions, import/export, simple-history) shown to check a permission itself:
a staff login with no permission at all is refused, on GET and on POST,
while an admin gets the page. The URL inventory fails when an admin URL is
missing from CUSTOM_ADMIN_VIEWS.

Past versions (simple-history) are read-only for everyone: its "revert"
POST used to save the old version after checking only the view permission.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import transaction
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from admin_site.base import GymModelAdmin
from core.inventory.models import SKU, Product
from core.memberships.models import Plan
from core.staff.services.leave import leave_request_create
from tests.core.support.builders import make_lead
from tests.security.admin_urls import custom_entries
from tests.security.world import world_fixture

pytestmark = pytest.mark.django_db
world = world_fixture()

REFUSED = "403"  # staff without the view's permission get 403
HISTORY = "history"  # simple-history's past version: view permission to read, nobody may POST
# Open to any staff login (User.is_staff), on purpose: why.
ANY_STAFF = {
    "admin:index": "the dashboard; each panel is filled only for the models the person may view",
    "admin:login": "redirects to allauth's login",
    "admin:logout": "redirects to allauth's logout",
    "admin:password_change": "redirects to allauth's password change",
    "admin:password_change_done": "Django's confirmation page, no data",
    "admin:jsi18n": "the admin's JavaScript translations, no data",
    "admin:view_on_site": "redirects to an object's public page; GymOS models have none (404)",
    "admin:search": "unfold's search runs only over the models the person may view",
    None: "the admin's catch-all: 404 for an unknown admin path",
}
NOT_FOUND_WITHOUT_PERMISSION = {
    "admin:app_list": "Django answers 404 for an app the person has no permission in",
}
ACTIONS = [
    "attendance_checkin_manual", "attendance_checkin_live", "billing_classpack_sell", "billing_invoice_issue",
    "billing_invoice_dues",
    "billing_invoice_record_payment", "billing_invoice_download_pdf", "billing_invoice_void_one",
    "billing_invoice_correct", "billing_payment_download_receipt", "billing_payment_refund",
    "classes_classsession_roster", "classes_classsession_reschedule_one", "classes_classsession_cancel_one",
    "classes_classsession_clear_review_one", "inventory_sku_desk_sale", "inventory_sku_stock_take",
    "inventory_sku_low_stock", "inventory_sku_receive_one", "inventory_sku_adjust_one", "inventory_sku_damaged_one",
    "inventory_sku_returned_one", "leads_lead_convert_one", "leads_lead_contacted_one", "leads_lead_trial_one",
    "leads_lead_lost_one", "leads_lead_assign_me_one", "leads_lead_note_one", "members_member_renew_one",
    "members_member_freeze_one", "members_member_deactivate_one", "members_member_reactivate_one",
    "memberships_membership_cancel_one", "memberships_membership_freeze_one",
    "notifications_message_email_templates", "staff_trainer_deactivate_one", "staff_leaverequest_session",
    "staff_leaverequest_approve_one", "staff_leaverequest_deny_one", "audit_log", "reports_index",
    "reports_class-fill", "reports_trainer-sessions", "reports_low-stock", "reports_collections", "reports_dues",
    "reports_renewals", "reports_attendance", "reports_movement", "autocomplete",
]  # fmt: skip
IMPORT_EXPORT = ["memberships_plan", "inventory_product", "inventory_sku", "members_member"]
HISTORY_MODELS = [
    "accounts_user", "billing_classpack", "billing_classcredit", "billing_bkashcheckout", "billing_invoice",
    "billing_payment", "classes_booking", "classes_classschedule", "classes_classsession", "classes_room",
    "classes_classtag", "classes_classtype", "devices_device", "memberships_facility", "memberships_plan",
    "memberships_membership", "memberships_membershipfreeze", "inventory_product", "inventory_sku",
    "inventory_stockmovement", "leads_lead", "members_healthflag", "members_member", "programs_workoutprogram",
    "programs_dietplan", "staff_trainer", "staff_certification", "staff_leaverequest", "support_ticket",
]  # fmt: skip
CUSTOM_ADMIN_VIEWS: dict[str | None, str] = {
    **ANY_STAFF,
    **dict.fromkeys(NOT_FOUND_WITHOUT_PERMISSION, "404"),
    **{f"admin:{name}": REFUSED for name in ACTIONS},
    **{f"admin:{m}_{view}": REFUSED for m in IMPORT_EXPORT for view in ("import", "process_import", "export")},
    **{f"admin:{m}_simple_history": HISTORY for m in HISTORY_MODELS},
}


@pytest.fixture(scope="module")
def things(world, django_db_blocker):
    """The rows the object views need beyond the world: a SKU, a lead, a leave touching T's class."""
    with django_db_blocker.unblock(), transaction.atomic():
        product = Product.objects.create(name="Whey")
        sku = SKU(product=product, code="WHEY-1KG", price=Decimal("3200.00"), cost=Decimal("2500.00"))
        sku.full_clean()
        sku.save()
        session = world.objects["session_t"]
        leave = leave_request_create(
            trainer=world.objects["trainer_profile_t"], starts_at=session.starts_at - datetime.timedelta(hours=1),
            ends_at=session.ends_at + datetime.timedelta(hours=1), reason="Course", by=world.users["trainer_t"],
        )  # fmt: skip
        return {"sku": sku, "lead": make_lead(), "leave": leave, "session": session}


def entry_url(entry, w, things) -> str | None:
    """The entry's URL for a real object (None when the model has no row to point at)."""
    converters = set(entry.pattern.pattern.converters) if hasattr(entry.pattern.pattern, "converters") else set()
    if entry.name is None:
        return "/admin/no-such-page/"
    if entry.name == "admin:app_list":
        return reverse(entry.name, kwargs={"app_label": "billing"})
    if entry.name == "admin:autocomplete":  # the one autocomplete field: a membership's member
        return reverse(entry.name) + "?app_label=memberships&model_name=membership&field_name=member&term=An"
    if entry.name == "admin:view_on_site":
        return reverse(entry.name, args=[1, 1])
    if entry.name.endswith("_simple_history"):
        version = entry.model.history.order_by("history_id").first()
        return None if version is None else reverse(entry.name, args=[version.id, version.history_id])
    if "object_id" not in converters:
        return reverse(entry.name)
    obj = things["leave"] if entry.model._meta.model_name == "leaverequest" else entry.model._base_manager.first()
    kwargs = {"object_id": obj.pk}
    if "session_id" in converters:
        kwargs.update(session_id=things["session"].pk, step="reassign")
    return reverse(entry.name, kwargs=kwargs)


ENTRIES = {entry.name: entry for entry in custom_entries()}


def _params(rule):
    return [pytest.param(name, id=str(name)) for name, value in CUSTOM_ADMIN_VIEWS.items() if value == rule]


@pytest.mark.parametrize("name", _params(REFUSED))
def test_staff_without_the_permission_are_refused_and_an_admin_gets_the_page(world, things, name):
    # given
    url = entry_url(ENTRIES[name], world, things)
    bare, chief = world.client("bare_staff"), world.client("admin")
    # when
    answers = {"GET": bare.get(url).status_code, "POST": bare.post(url, {}).status_code}
    # then: 403 for the method the view takes (a GET-only or POST-only view answers 405 to the other)
    assert set(answers.values()) <= {403, 405} and 403 in answers.values(), f"{url}: {answers}"
    method = "get" if answers["GET"] == 403 else "post"
    assert getattr(chief, method)(url, {}).status_code in (200, 302), f"{method.upper()} {url} as admin"


@pytest.mark.parametrize("name", [*_params("404"), *ANY_STAFF])
def test_views_open_to_any_staff_show_nothing_to_members(world, things, name):
    # given
    url = entry_url(ENTRIES[name], world, things)
    # when
    bare = world.client("bare_staff").get(url)
    member = world.client("member_a").get(url, follow=True)
    # then: staff get the page, a redirect or a 404, never an error; a member never stays in the admin
    assert bare.status_code in (200, 302, 404), f"GET {url}"
    if CUSTOM_ADMIN_VIEWS[name] == "404":
        assert bare.status_code == 404
    landed = member.redirect_chain[-1][0] if member.redirect_chain else url
    assert member.status_code == 404 or not landed.startswith("/admin/"), f"{url} -> {landed}"


def test_every_history_admin_is_a_gym_admin_whose_history_is_read_only():
    history_admins = [ma for ma in admin.site._registry.values() if isinstance(ma, SimpleHistoryAdmin)]
    assert {f"{ma.opts.app_label}_{ma.opts.model_name}" for ma in history_admins} == set(HISTORY_MODELS)
    assert all(isinstance(ma, GymModelAdmin) for ma in history_admins)


@pytest.mark.parametrize("name", _params(HISTORY))
def test_past_versions_need_the_view_permission_and_nobody_can_post_them_back(world, things, name):
    # given
    entry = ENTRIES[name]
    url = entry_url(entry, world, things)
    if url is None:  # no row of this model in the world: the read-only rule is GymModelAdmin's (test above)
        url = reverse(name, args=[0, 0])
        assert world.client("admin").post(url, {}).status_code == 403
        return
    perm = f"{entry.model._meta.app_label}.view_{entry.model._meta.model_name}"
    # when / then
    assert world.client("bare_staff").get(url).status_code == 403
    expected = 200 if world.users["support"].has_perm(perm) else 403
    assert world.client("support").get(url).status_code == expected
    assert world.client("admin").get(url).status_code == 200
    assert world.client("support").post(url, {}).status_code == 403
    assert world.client("admin").post(url, {}).status_code == 403


def test_support_cannot_change_a_plan_price_through_its_history(world):
    # given: support staff may view plans, not change them
    plan = world.objects["plan"]
    version = plan.history.order_by("history_id").first()
    url = reverse("admin:memberships_plan_simple_history", args=[plan.pk, version.history_id])
    form = {"name": plan.name, "price": "1.00", "interval_count": 1, "interval_unit": "MONTH", "is_active": "on"}
    # when
    response = world.client("support").post(url, form)
    # then
    assert response.status_code == 403
    assert Plan.objects.get(pk=plan.pk).price == plan.price
