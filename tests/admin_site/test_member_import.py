"""Import and export in the admin: upload → preview (dry run, nothing written)
→ confirm → all rows written; errors shown per row; exports as XLSX."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.accounts.models import User
from core.common.models import AuditEvent
from core.members.models import Member
from core.memberships.models import Plan
from core.notifications.models import Message
from fixtures.factories import FacilityFactory, MemberFactory, MembershipFactory, PlanFactory

pytestmark = pytest.mark.django_db

MEMBERS = "/admin/members/member/"
PLANS = "/admin/memberships/plan/"
CSV, XLSX = "0", "1"  # the import/export format choices, in this order
HEADER = "email,first_name,last_name,phone,date_of_birth,plan,whatsapp_opt_in\n"


def upload(client, base: str, data: bytes, *, name="members.csv", file_format=CSV, **extra):
    return client.post(
        f"{base}import/",
        {"resource": "0", "format": file_format, "import_file": SimpleUploadedFile(name, data), **extra},
    )


def confirm(client, base: str, preview):
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(f"{base}process_import/", data)


def page_text(response) -> str:
    return response.content.decode()


def export(client, base: str, file_format: str = XLSX):
    form = client.get(f"{base}export/").context["form"]
    data = {name: "on" for name, field in form.fields.items() if isinstance(field, forms.BooleanField)}
    return client.post(f"{base}export/", {"format": file_format, "resource": "0", **data})


def xlsx_rows(response) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# --- members: import --------------------------------------------------------------


def test_upload_shows_a_preview_and_writes_only_on_confirm(client, admin_user):
    # given
    PlanFactory(name="Monthly")
    client.force_login(admin_user)
    data = (HEADER + "nadia@example.com,Nadia,Karim,01712345678,1991-02-03,Monthly,yes\n"
            "omar@example.com,Omar,Faruk,01812345678,03/04/1985,,no\n").encode()  # fmt: skip
    # when: upload (the dry run)
    preview = upload(client, MEMBERS, data)
    # then
    assert preview.status_code == 200
    assert "nadia@example.com" in page_text(preview) and "Confirm import" in page_text(preview)
    assert "2 new members will be created; no welcome emails will be sent." in page_text(preview)
    assert not User.objects.filter(email__in=["nadia@example.com", "omar@example.com"]).exists()
    # when: confirm
    done = confirm(client, MEMBERS, preview)
    # then
    assert done.status_code == 302 and done["Location"] == MEMBERS
    assert Member.objects.filter(user__email__in=["nadia@example.com", "omar@example.com"]).count() == 2
    assert Member.objects.get(user__email="nadia@example.com").status == Member.Status.ACTIVE
    assert not Message.objects.exists()
    assert "Imported 2 members (1 with a membership)." in page_text(client.get(MEMBERS))
    assert AuditEvent.objects.get(action="members.imported").actor == admin_user


def test_import_page_lists_the_columns_and_the_welcome_option(client, support_user):
    client.force_login(support_user)
    page = page_text(client.get(f"{MEMBERS}import/"))
    assert "email (required)" in page and "membership_start" in page and "Send welcome emails" in page


def test_welcome_emails_go_out_when_ticked(client, admin_user, mailoutbox, django_capture_on_commit_callbacks):
    # given
    client.force_login(admin_user)
    data = (HEADER + "lina@example.com,Lina,Akter,01912345678,1999-09-09,,\n").encode()
    preview = upload(client, MEMBERS, data, send_welcome_emails="on")
    assert "welcome emails will be sent" in page_text(preview)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, MEMBERS, preview)
    # then
    assert Message.objects.get(template="welcome").recipient == "lina@example.com"
    assert [m.to for m in mailoutbox] == [["lina@example.com"]]


def test_xlsx_upload_imports(client, admin_user):
    client.force_login(admin_user)
    book = openpyxl.Workbook()
    book.active.append(["Email", "First Name", "Last Name", "Phone", "Date of birth"])
    book.active.append(["xl@example.com", "Xena", "Lee", "01512345678", "1990-01-01"])
    out = io.BytesIO()
    book.save(out)
    preview = upload(client, MEMBERS, out.getvalue(), name="members.xlsx", file_format=XLSX)
    confirm(client, MEMBERS, preview)
    assert Member.objects.filter(user__email="xl@example.com").exists()


def test_row_errors_are_listed_and_nothing_can_be_confirmed(client, admin_user):
    # given
    client.force_login(admin_user)
    data = (HEADER + "ok@example.com,Ok,Row,01712345678,1990-01-01,,\n"
            "not-an-email,Bad,Row,01712345679,1990-01-01,,\n"
            "bad@example.com,Bad,Plan,01712345670,1990-01-01,Gold,\n").encode()  # fmt: skip
    # when
    response = upload(client, MEMBERS, data)
    # then
    text = page_text(response)
    assert "email “not-an-email” is not a valid email address." in text
    assert "plan “Gold” does not exist" in text
    assert "confirm_form" not in response.context and "Confirm import" not in text
    assert [row.number for row in response.context["result"].invalid_rows] == [3, 4]
    assert not User.objects.filter(email="ok@example.com").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ((HEADER + "jose@example.com,José,X,01712345678,1990-01-01,,\n").encode("latin-1"), "not UTF-8"),
        ((HEADER + "a@example.com,A,B,01712345678,1990-01-01,,\n").encode("utf-16"), "UTF-16"),
        (b"", "The file has no rows"),
        (HEADER.encode(), "The file has no rows"),
        (b"mail,name\nx,y\n", "The columns do not match: missing email, first_name"),
    ],
)
def test_bad_files_are_refused_on_the_upload_form(client, admin_user, data, message):
    client.force_login(admin_user)
    users = User.objects.count()
    response = upload(client, MEMBERS, data)
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors["import_file"])
    assert User.objects.count() == users


def test_too_many_rows_are_refused_on_the_upload_form(client, admin_user, settings):
    settings.MEMBER_IMPORT_MAX_ROWS = 10
    client.force_login(admin_user)
    data = HEADER + "".join(f"m{i}@example.com,M,N,0171200{i:04d},1990-01-01,,\n" for i in range(11))
    response = upload(client, MEMBERS, data.encode())
    (error,) = response.context["form"].errors["import_file"]
    assert "more than 10 rows" in error


def test_a_clash_created_after_the_preview_stops_the_whole_import(client, admin_user):
    # given a preview that was fine
    client.force_login(admin_user)
    data = (HEADER + "first@example.com,F,F,01712345678,1990-01-01,,\nlate@example.com,L,L,01712345679,,,\n").encode()
    preview = upload(client, MEMBERS, data)
    # ...and someone creates one of the accounts meanwhile
    MemberFactory(user__email="late@example.com")
    # when
    response = confirm(client, MEMBERS, preview)
    # then
    assert response.status_code == 302 and response["Location"].endswith("/import/")
    assert not User.objects.filter(email="first@example.com").exists()
    text = page_text(client.get(response["Location"]))
    assert "Row 3: email “late@example.com” already has an account" in text and "Nothing was imported" in text


# --- members: export ------------------------------------------------------------------


def test_export_xlsx_has_the_expected_rows_and_no_health_notes_for_support(client, support_user):
    # given
    plan = PlanFactory(name="Quarterly", interval_count=3)
    member = MembershipFactory(plan=plan, member__health_notes="Asthma").member
    client.force_login(support_user)
    # when
    response = export(client, MEMBERS)
    # then
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    header, *rows = xlsx_rows(response)
    assert header[:9] == ["code", "first_name", "last_name", "email", "phone", "date_of_birth", "status", "plan",
                          "membership_ends_on"]  # fmt: skip
    assert "health_notes" not in header
    (row,) = rows
    values = dict(zip(header, row, strict=True))
    ends_on = member.memberships.get().ends_on
    assert values["code"] == member.code and values["email"] == member.user.email
    assert values["status"] == "Active" and values["plan"] == "Quarterly"
    assert values["membership_ends_on"].date() == ends_on
    event = AuditEvent.objects.get(action="members.exported")
    assert event.actor == support_user and event.data["rows"] == 1


def test_admins_export_health_notes(client, admin_user):
    MemberFactory(health_notes="Knee injury")
    client.force_login(admin_user)
    header, row = xlsx_rows(export(client, MEMBERS))
    assert dict(zip(header, row, strict=True))["health_notes"] == "Knee injury"


def test_export_runs_a_fixed_number_of_queries(client, admin_user):
    plan = PlanFactory()
    client.force_login(admin_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert export(client, MEMBERS, file_format=CSV).status_code == 200
        return len(ctx.captured_queries)

    MembershipFactory.create_batch(2, plan=plan)
    few = queries()
    MembershipFactory.create_batch(10, plan=plan)
    assert queries() == few


# --- plans ------------------------------------------------------------------------


def test_plan_import_previews_updates_and_writes_on_confirm(client, admin_user):
    # given
    FacilityFactory(name="Pool")
    monthly = PlanFactory(name="Monthly", price=Decimal("2000.00"))
    client.force_login(admin_user)
    data = (
        b"name,price,interval_count,interval_unit,facilities,is_active\n"
        b"Monthly,2200,1,month,Pool,yes\n"
        b"Weekly,700,1,week,,yes\n"
    )
    # when
    preview = upload(client, PLANS, data, name="plans.csv")
    # then
    assert "1 new plans, 1 updated (matched by name)." in page_text(preview)
    monthly.refresh_from_db()
    assert monthly.price == Decimal("2000.00")
    # when
    confirm(client, PLANS, preview)
    # then
    monthly.refresh_from_db()
    assert monthly.price == Decimal("2200.00") and [f.name for f in monthly.facilities.all()] == ["Pool"]
    assert Plan.objects.get(name="Weekly").interval_unit == "WEEK"


def test_plan_import_errors_name_unknown_facilities(client, admin_user):
    client.force_login(admin_user)
    data = b"name,price,interval_count,interval_unit,facilities\nGold,-1,1,month,Spa\n"
    text = page_text(upload(client, PLANS, data, name="plans.csv"))
    assert "price -1 is negative." in text and "facilities “Spa” do not exist" in text
    assert not Plan.objects.filter(name="Gold").exists()


def test_support_staff_cannot_import_plans(client, support_user):
    client.force_login(support_user)
    assert client.get(f"{PLANS}import/").status_code == 403


def test_plan_export_round_trips(client, admin_user):
    PlanFactory(
        name="Annual", price=Decimal("20000.00"), interval_unit="YEAR", facilities=[FacilityFactory(name="Sauna")]
    )
    client.force_login(admin_user)
    exported = export(client, PLANS, file_format=CSV)
    assert exported.content.decode().splitlines()[1] == "Annual,20000.00,1,year,Gym floor access,0,Sauna,yes"
    preview = upload(client, PLANS, exported.content, name="plans.csv")
    assert "0 new plans, 1 updated" in page_text(preview)
