"""The audit log page: field-by-field changes from the history tables merged
in time order with business events (logins, failed logins, payments, purges,
exports); filters; secrets never shown; read-only; a fixed number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.billing.models import Invoice
from core.billing.services.payments import payment_record
from core.common.actors import acting_as
from core.common.models import AuditEvent
from core.common.services import audit_record
from core.members.retention import member_purge
from core.memberships.models import Plan
from devices.models import Device
from fixtures.factories import DEFAULT_PASSWORD, MemberFactory, TrainerUserFactory
from tests.core.reports.bulk import bulk_gym

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _entries(client, query: str = "") -> list[dict]:
    response = client.get(f"/admin/audit-log/{query}")
    assert response.status_code == 200
    return response.context["entries"]


def _changes(row) -> dict:
    return {c.field: (c.before, c.after) for c in row["entry"].changes}


def test_create_update_delete_show_who_and_the_field_changes(admin_client, admin_user):
    # given
    with acting_as(admin_user):
        plan = Plan.objects.create(name="Gold", price=Decimal("3000.00"))
        plan.price = Decimal("3500.00")
        plan.interval_unit = Plan.IntervalUnit.YEAR
        plan.save()
        plan_id = plan.pk
        plan.delete()
    # when
    rows = _entries(admin_client, "?source=memberships.plan")
    # then: newest first
    assert [r["what"] for r in rows] == ["Deleted plan", "Changed plan", "Created plan"]
    assert all(r["entry"].who == admin_user and r["entry"].object_id == str(plan_id) for r in rows)
    assert _changes(rows[1]) == {"price": ("3000.00", "3500.00"), "interval unit": ("month(s)", "year(s)")}
    created = _changes(rows[2])
    assert created["name"] == ("", "Gold") and created["price"] == ("", "3000.00")
    assert rows[2]["entry"].label == "Gold"


def test_payment_shows_the_event_and_the_invoice_change(admin_client, admin_user):
    # given
    member = MemberFactory()
    invoice = Invoice.objects.create(
        number="INV-2026-000777", member=member, issued_on=timezone.localdate(), due_on=timezone.localdate(),
        total=Decimal("2000.00"),
    )  # fmt: skip
    # when
    payment = payment_record(invoice=invoice, amount="1500.00", received_by=admin_user)
    rows = _entries(admin_client)
    # then
    event = next(r for r in rows if r["what"] == "payment.recorded")
    assert event["entry"].object_id == str(payment.pk) and "INV-2026-000777" in event["entry"].summary
    assert event["object_link"] == f"/admin/billing/payment/{payment.pk}/change/"
    invoice_change = next(r for r in rows if r["what"] == "Changed invoice")
    assert _changes(invoice_change)["amount paid"] == ("0.00", "1500.00")
    assert _changes(invoice_change)["status"] == ("Issued", "Partly paid")
    assert any(r["what"] == "Created payment" for r in rows)


def test_purge_is_shown_as_an_event(admin_client):
    # given
    member = MemberFactory(phone="+8801711111111")
    # when
    member_purge(member=member)
    rows = _entries(admin_client, "?source=events")
    # then
    assert [r["what"] for r in rows] == ["member.purged"]
    assert member.code in rows[0]["entry"].summary
    assert "+8801711111111" not in admin_client.get("/admin/audit-log/").content.decode()


def test_logins_and_failed_logins_are_recorded_and_listed(client, admin_user):
    # when
    client.post("/accounts/login/", {"login": admin_user.email, "password": "not-the-password"})
    client.post("/accounts/login/", {"login": admin_user.email, "password": DEFAULT_PASSWORD})
    # then
    failed = AuditEvent.objects.get(action="login.failed")
    assert failed.data["login"] == admin_user.email and failed.actor is None
    assert "not-the-password" not in str(failed.data) + failed.summary
    ok = AuditEvent.objects.get(action="login")
    assert ok.actor == admin_user and ok.object_id == str(admin_user.pk)
    shown = [r["what"] for r in _entries(client, "?source=events")]
    assert shown == ["login", "login.failed"]
    only_failed = _entries(client, "?action=login.failed")
    assert [r["what"] for r in only_failed] == ["login.failed"]


def test_filters_by_user_object_and_dates(admin_client, admin_user):
    # given
    trainer = TrainerUserFactory()
    with acting_as(admin_user):
        mine = Plan.objects.create(name="Mine", price=Decimal("1.00"))
    with acting_as(trainer):
        Plan.objects.create(name="Theirs", price=Decimal("2.00"))
    audit_record(action="report.exported", summary="Exported", actor=trainer)
    # then
    by_admin = _entries(admin_client, f"?user={admin_user.email}")
    assert {r["entry"].label for r in by_admin} == {"Mine"}
    by_trainer = _entries(admin_client, f"?user={trainer.pk}")
    assert {r["what"] for r in by_trainer} == {"Created plan", "report.exported"}
    by_object = _entries(admin_client, f"?source=memberships.plan&object_id={mine.pk}")
    assert [r["entry"].label for r in by_object] == ["Mine"]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert _entries(admin_client, f"?start={tomorrow}&end={tomorrow}") == []
    assert _entries(admin_client, "?user=nobody@example.com") == []


def test_secrets_are_never_shown(admin_client, admin_user, trainer_user):
    # given
    with acting_as(admin_user):
        trainer_user.set_password("A-brand-new-password-1")
        trainer_user.first_name = "Renamed"
        trainer_user.save()
        Device.objects.create(name="Door", serial_number="SN1", host="10.0.0.2", comm_password=424242)
    # when
    body = admin_client.get("/admin/audit-log/").content.decode()
    rows = _entries(admin_client)
    # then
    assert trainer_user.password not in body and "md5$" not in body
    assert "424242" not in body
    device = next(r for r in rows if r["what"] == "Created device")
    assert not any("comm" in field.lower() for field in _changes(device))
    user_change = next(r for r in rows if r["what"] == "Changed user")
    assert "password" not in _changes(user_change) and _changes(user_change)["first name"][1] == "Renamed"


def test_audit_events_cannot_be_added_changed_or_deleted(admin_client, admin_user):
    # given
    event = audit_record(action="payment.recorded", summary="Paid", actor=admin_user)
    # then
    assert admin_client.get(f"/admin/common/auditevent/{event.pk}/delete/").status_code == 403
    assert admin_client.post(f"/admin/common/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get("/admin/common/auditevent/add/").status_code == 403
    listing = admin_client.get("/admin/common/auditevent/")
    assert listing.status_code == 200 and "delete_selected" not in listing.content.decode()
    admin_client.post(f"/admin/common/auditevent/{event.pk}/change/", {"summary": "Changed"})
    event.refresh_from_db()
    assert event.summary == "Paid"


def test_support_staff_and_members_cannot_read_the_log(client, support_user, member_user):
    client.force_login(support_user)
    assert client.get("/admin/audit-log/").status_code == 403
    client.force_login(member_user)
    assert client.get("/admin/audit-log/").status_code == 302


def _log_queries(client, query: str = "") -> tuple[int, int, int]:
    """Queries for the first page, rows shown, and history models on the page."""
    client.get(f"/admin/audit-log/{query}")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/admin/audit-log/{query}")
    entries = [row["entry"] for row in response.context["entries"]]
    return len(ctx), len(entries), len({e.source for e in entries if not e.is_event})


def test_audit_log_query_count_does_not_grow_with_members(admin_client, admin_user):
    # given: member history rows (bulk_create_with_history) and login events
    trainer = TrainerUserFactory()
    bulk_gym(10, staff=admin_user, trainer=trainer, tag="s")
    small, small_rows, small_models = _log_queries(admin_client)
    # when
    bulk_gym(490, staff=admin_user, trainer=trainer, tag="l")
    large, large_rows, _ = _log_queries(admin_client)
    # then: the page's rows in one UNION query, their people and field changes in one more,
    # whatever the number of rows or the mix of models on the page
    assert small_rows < 50 and large_rows == 50 and small_models > 1
    assert small == large
    members_only = "?source=members.member"
    assert _log_queries(admin_client, members_only) == (large, 50, 1)
    members_only = "/admin/audit-log/" + members_only
    page_two = admin_client.get(members_only + "&page=2")
    assert len(page_two.context["entries"]) == 50 and page_two.context["next_query"]
