"""Admin reports: date-range filters, CSV and XLSX exports (opened and read
back), the export audit trail, access rules, and query counts that do not grow
with the data. Numbers come from tests/core/reports/world.py (today = Wed 15 Apr 2026)."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from core.common.models import AuditEvent
from fixtures.factories import SupportFactory, TrainerUserFactory
from tests.core.reports.bulk import bulk_gym
from tests.core.reports.world import Clock, build_world

pytestmark = pytest.mark.django_db
REPORTS = ["renewals", "collections", "dues", "movement", "attendance", "class-fill", "trainer-sessions", "low-stock"]


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def world(db, clock):
    return build_world()


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


def _table(response, key: str):
    return next(t for t in response.context["tables"] if t.key == key)


def _column(table, key: str) -> list:
    return [row[key] for row in table.rows]


@pytest.mark.parametrize("slug", REPORTS)
def test_every_report_renders_for_an_admin(admin_client, slug):
    response = admin_client.get(f"/admin/reports/{slug}/")
    assert response.status_code == 200
    assert "Download CSV" in response.content.decode()


def test_renewals_default_to_the_next_two_weeks(admin_client, world):
    # when
    response = admin_client.get("/admin/reports/renewals/")
    # then: B ends 20 Apr, I ends 23 Apr; C is renewed, K ends 9 May
    table = _table(response, "renewals")
    assert _column(table, "code") == [world.members["B"].code, world.members["I"].code]
    assert table.rows[0]["last_paid"] == Decimal("500.00")
    assert response.context["req"].start.isoformat() == "2026-04-15"


def test_renewals_filtered_to_a_past_range_list_the_lapsed(admin_client, world):
    response = admin_client.get("/admin/reports/renewals/?start=2026-03-16&end=2026-04-14")
    assert _column(_table(response, "renewals"), "code") == [world.members["D"].code]


def test_a_bad_range_shows_the_error_and_falls_back_to_the_default(admin_client):
    response = admin_client.get("/admin/reports/collections/?start=2026-04-10&end=2026-04-01")
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()
    assert response.context["req"].start.isoformat() == "2026-03-17"


def test_collections_for_one_day(admin_client):
    # when
    response = admin_client.get("/admin/reports/collections/?start=2026-04-15&end=2026-04-15")
    # then
    days = _table(response, "days")
    assert days.footer["net"] == Decimal("3200.00") and days.footer["refunded"] == Decimal("300.00")
    methods = {row["method"]: row["net"] for row in _table(response, "methods").rows}
    assert methods == {"BKASH": Decimal("2000.00"), "CASH": Decimal("1200.00")}
    staff = {row["staff"]: row["received"] for row in _table(response, "staff").rows}
    assert staff == {
        "Ada Admin": Decimal("0.00"),
        "Sam Desk": Decimal("1500.00"),
        "Online (no staff member)": Decimal("2000.00"),
    }
    refunds = _table(response, "refunds")
    assert _column(refunds, "amount") == [Decimal("300.00")] and refunds.rows[0]["by"] == "Ada Admin"


def test_dues_aging_and_due_date_filter(admin_client):
    # when
    everything = admin_client.get("/admin/reports/dues/")
    march = admin_client.get("/admin/reports/dues/?start=2026-03-01&end=2026-03-31")
    # then
    aging = {row["bucket"]: (row["count"], row["owed"]) for row in _table(everything, "aging").rows}
    assert aging == {"0-30": (2, Decimal("2400.00")), "31-60": (3, Decimal("1600.00")), "60+": (2, Decimal("5800.00"))}
    assert _table(everything, "invoices").page.paginator.count == 7
    assert [(r["days_late"], r["bucket"]) for r in _table(march, "invoices").rows] == [
        (45, "31-60"), (31, "31-60"), (30, "0-30"),
    ]  # fmt: skip


def test_attendance_churn_risk_threshold(admin_client, world):
    fourteen = admin_client.get("/admin/reports/attendance/")
    thirty = admin_client.get("/admin/reports/attendance/?not_seen=30")
    m = world.members
    assert _column(_table(fourteen, "risk"), "code") == [m["K"].code, m["I"].code]
    assert _column(_table(thirty, "risk"), "code") == [m["K"].code]
    assert _column(_table(fourteen, "visits"), "visits") == [2, 2, 1, 1]
    assert ("Not seen for 30+ days", "1") in fourteen.context["summary"]
    assert ("Visits", "6") in fourteen.context["summary"]
    risk = _table(fourteen, "risk").rows
    assert [(r["days_away"], r["last_seen"] is None) for r in risk] == [(45, True), (20, False)]


def test_movement_class_fill_and_trainers(admin_client):
    movement = admin_client.get("/admin/reports/movement/?start=2026-02-01&end=2026-04-15")
    rows = _table(movement, "months").rows
    assert [(r["month"], r["new"], r["renewed"], r["lapsed"], r["mrr"]) for r in rows][-1] == (
        "Apr 2026", 2, 2, 1, Decimal("18000.00"),
    )  # fmt: skip
    fill = _table(admin_client.get("/admin/reports/class-fill/"), "class_type")
    assert {r["label"]: r["fill_rate"] for r in fill.rows} == {"HIIT": 100.0, "Yoga": 40.0}
    assert fill.footer["fill_rate"] == 52.0  # 13 of 25 seats
    taught = _table(admin_client.get("/admin/reports/trainer-sessions/"), "trainers")
    assert {r["instructor"]: (r["held"], r["attendees"]) for r in taught.rows} == {
        "Nadia Islam": (0, 0), "Tanvir Ahmed": (2, 6),
    }  # fmt: skip


def test_xlsx_export_has_the_rows_and_is_audited(admin_client, world):
    # when
    response = admin_client.get("/admin/reports/dues/?format=xlsx")
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="dues_2026-04-15.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Aging", "Past-due invoices"]
    aging = list(book["Aging"].iter_rows(values_only=True))
    assert aging[0] == ("Days past due", "Invoices", "Owed")
    assert aging[1:] == [("0-30", 2, 2400), ("31-60", 3, 1600), ("60+", 2, 5800), ("Total", 7, 9800)]
    invoices = list(book["Past-due invoices"].iter_rows(values_only=True))
    assert len(invoices) == 1 + 7
    assert invoices[1][0] == world.invoices["late104"].number and invoices[1][5] == 104
    event = AuditEvent.objects.get(action="report.exported")
    assert event.actor == world.admin
    assert event.data["report"] == "dues" and event.data["format"] == "xlsx" and event.data["rows"] == 3 + 7


def test_csv_export_of_a_filtered_range(admin_client, world):
    # when
    response = admin_client.get("/admin/reports/renewals/?start=2026-04-15&end=2026-04-21&format=csv")
    # then
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Renewals"]
    assert rows[1][:4] == ["Member", "Name", "Phone", "Email"]
    assert [r[0] for r in rows[2:]] == [world.members["B"].code]
    assert "2026-04-20" in rows[2]
    assert AuditEvent.objects.filter(action="report.exported", data__format="csv").count() == 1


def test_exports_neutralise_spreadsheet_formulas(admin_client, world):
    # given: a name typed by someone into a public form
    user = world.members["B"].user
    user.first_name, user.last_name = '=HYPERLINK("http://evil")', ""
    user.save()
    # when
    body = admin_client.get("/admin/reports/renewals/?format=xlsx").content
    # then: the cell is text, not a formula
    names = [row[1] for row in load_workbook(io.BytesIO(body)).active.iter_rows(min_row=2, values_only=True)]
    assert names[0].startswith("'=HYPERLINK")


def test_support_without_billing_permissions_cannot_open_money_reports(client, world):
    # given
    desk = SupportFactory()
    desk.groups.clear()
    desk.user_permissions.set(Permission.objects.filter(codename__in=["view_member", "view_membership"]))
    client.force_login(desk)
    # then
    assert client.get("/admin/reports/collections/").status_code == 403
    assert client.get("/admin/reports/dues/?format=csv").status_code == 403
    renewals = client.get("/admin/reports/renewals/")
    assert renewals.status_code == 200
    assert not {"last_paid", "last_paid_at"} & {c.key for c in _table(renewals, "renewals").columns}
    index = client.get("/admin/reports/")
    assert [cls.slug for cls, _url in index.context["reports"]] == ["renewals", "movement"]
    movement = client.get("/admin/reports/movement/")
    assert "mrr" not in [c.key for c in _table(movement, "months").columns]
    assert "৳" not in movement.content.decode()


@pytest.mark.parametrize("role", ["member_user", "trainer_user"])
def test_members_and_trainers_cannot_open_reports(client, request, role):
    # given
    client.force_login(request.getfixturevalue(role))
    # when
    response = client.get("/admin/reports/collections/?format=csv")
    # then: sent away (to the login, which sends them to their portal), nothing exported
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="report.exported").exists()


def _report_queries(client, slug: str) -> int:
    client.get(f"/admin/reports/{slug}/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/admin/reports/{slug}/")
    assert response.status_code == 200
    return len(ctx)


def test_report_query_counts_do_not_grow_with_members(client, admin_user, clock):
    # given
    trainer = TrainerUserFactory()
    client.force_login(admin_user)
    bulk_gym(10, staff=admin_user, trainer=trainer, tag="s")
    small = {slug: _report_queries(client, slug) for slug in REPORTS}
    # when
    bulk_gym(490, staff=admin_user, trainer=trainer, tag="l")
    large = {slug: _report_queries(client, slug) for slug in REPORTS}
    # then
    assert small == large
    assert max(large.values()) <= 20
