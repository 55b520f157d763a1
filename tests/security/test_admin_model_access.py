"""The admin's model pages by role: support staff open a changelist when
their group may view (or change) the model and an add page when it may add,
else 403; admins open every one; members and trainers never stay in the
admin. Where a ModelAdmin deliberately narrows what the group permission
allows, the table below says so and why. The trainers' hourly rate is for
admins only: support staff never see it on the list, the form, the CSV
export or the history.
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.security.world import world_fixture

pytestmark = pytest.mark.django_db
world = world_fixture()

MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)
# Add pages nobody opens, whatever their permissions: why.
NO_ADD_PAGE = {
    "common.AuditEvent": "the audit log is written by the services only",
    "billing.WebhookEvent": "events arrive from bKash only",
    "billing.BkashCheckout": "started by members paying online",
    "billing.ClassCredit": "granted when a class pack is paid",
    "billing.Invoice": "issued through the 'Issue invoice' page (a custom view)",
    "billing.Payment": "recorded from the invoice's 'Record payment' action",
    "classes.Booking": "booked from the class's roster",
    "classes.ClassSession": "sessions come from schedules",
    "inventory.StockMovement": "written by the stock actions",
    "leads.Lead": "leads come from the public form",
    "notifications.Message": "the outbox is written by the services",
    "support.Ticket": "members open tickets from the portal",
    "django_q.Success": "django-q2's task records",
    "django_q.Failure": "django-q2's task records",
    "django_q.OrmQ": "django-q2's queue",
    "devices.Punch": "punches come from the device only",
    "devices.DeviceCommand": "commands are queued by the access sync only",
    "attendance.CheckIn": "the add page is the manual check-in page (302 there)",
}
# Add pages for admins only, although the support group holds the add permission: why.
ADMIN_ONLY_ADD = {
    "staff.Trainer": "provisioning staff accounts is for admins",
}


def _url(model, view: str) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")


def _support_may(world, model, *actions: str) -> bool:
    opts = model._meta
    return any(world.users["support"].has_perm(f"{opts.app_label}.{a}_{opts.model_name}") for a in actions)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_changelist_by_role(world, model):
    # given
    url = _url(model, "changelist")
    expected_support = 200 if _support_may(world, model, "view", "change") else 403
    # when / then
    assert world.client("admin").get(url).status_code == 200
    assert world.client("support").get(url).status_code == expected_support


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_add_page_by_role(world, model):
    # given
    label, url = model._meta.label, _url(model, "add")
    if label in NO_ADD_PAGE:
        admin_expected, support_expected = (302, 302) if label == "attendance.CheckIn" else (403, 403)
    else:
        admin_expected = 200
        support_expected = 200 if _support_may(world, model, "add") and label not in ADMIN_ONLY_ADD else 403
    # when / then
    assert world.client("admin").get(url).status_code == admin_expected
    assert world.client("support").get(url).status_code == support_expected


@pytest.mark.parametrize("role", ["member_a", "trainer_t", "anon"])
def test_members_and_trainers_never_reach_a_model_page(world, role):
    # given
    client = world.client(role)
    # when: every changelist and add page is sent to the admin's login ...
    refused = [client.get(_url(model, view)) for model in MODELS for view in ("changelist", "add")]
    # then
    assert all(r.status_code == 302 and r.url.startswith("/admin/login/") for r in refused)
    # ... which sends a logged-in member or trainer back to their portal, and anyone else to allauth
    landed = client.get(refused[0].url, follow=True).redirect_chain[-1][0]
    assert landed.startswith("/portal/" if role != "anon" else "/accounts/login/")


# --- the hourly rate -----------------------------------------------------------------------

RATE_T = "987.65"


def _trainer_pages(world) -> dict[str, str]:
    trainer = world.objects["trainer_profile_t"]
    version = trainer.history.order_by("-history_id").first()
    return {
        "changelist": _url(trainer.__class__, "changelist"),
        "change form": reverse("admin:staff_trainer_change", args=[trainer.pk]),
        "history": reverse("admin:staff_trainer_history", args=[trainer.pk]),
        "past version": reverse("admin:staff_trainer_simple_history", args=[trainer.pk, version.history_id]),
        "audit log": reverse("admin:audit_log"),
    }


def _export(world, role: str):
    trainer = world.objects["trainer_profile_t"]
    data = {"action": "export_csv", "_selected_action": [trainer.pk]}
    return world.client(role).post(_url(trainer.__class__, "changelist"), data)


def test_admins_see_the_hourly_rate_on_the_list_form_and_history(world):
    pages = _trainer_pages(world)
    for name in ("changelist", "change form", "past version"):
        assert RATE_T in world.client("admin").get(pages[name]).content.decode(), name


@pytest.mark.parametrize("role", ["support", "admin"])
def test_the_trainers_csv_export_never_has_the_rate(world, role):
    export = _export(world, role)
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    assert "Tahmid" in export.content.decode() and RATE_T not in export.content.decode()


def test_support_staff_never_see_the_hourly_rate(world):
    # given: a rate change in the history, so the history and audit pages have one to show
    trainer = world.objects["trainer_profile_t"]
    trainer.hourly_rate = "1234.50"
    trainer.save(update_fields=["hourly_rate"])
    # and support staff allowed to read the audit log (not a default of their group)
    world.users["support"].user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    support = world.client("support")
    # when / then
    for name, url in _trainer_pages(world).items():
        response = support.get(url)
        assert response.status_code == 200, name
        page = response.content.decode()
        assert "Tahmid" in page, name  # the trainer is on the page, only the rate is not
        assert RATE_T not in page and "1234.50" not in page and "1,234.50" not in page, name
        assert "hourly_rate" not in page and "Hourly rate" not in page, name
    # the history (which the audit log reads) does not keep the rate at all
    assert "hourly_rate" not in {f.name for f in trainer.history.model._meta.fields}


def test_support_cannot_find_out_the_rate_by_filtering_the_list(world):
    url = _url(world.objects["trainer_profile_t"].__class__, "changelist")
    assert world.client("support").get(url, {"hourly_rate__gte": "900"}).status_code == 400
    assert world.client("admin").get(url, {"hourly_rate__gte": "900"}).status_code == 200
