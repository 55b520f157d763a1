"""Member import: the happy paths (CSV and XLSX) and every kind of bad file,
each refused with a message and nothing written."""

import csv
import datetime
import io
import itertools

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.accounts.models import User
from core.accounts.roles import ROLE_GROUPS
from core.common.models import AuditEvent
from core.common.services import counter_reserve
from core.members import import_write
from core.members.importing import COLUMNS, ImportRejected, members_import_file
from core.members.models import Member
from core.members.services import member_next_code
from core.memberships.models import Membership
from core.memberships.services import term_end
from core.notifications.models import Message
from core.notifications.services import messages_enqueue_due
from tests.core.members.builders import make_member, make_plan

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)


def good_row(**overrides) -> dict:
    n = next(_seq)
    row = {
        "email": f"import-{n}@example.com",
        "first_name": "Nusrat",
        "last_name": f"Jahan {n}",
        "phone": f"0171{n:07d}",
        "date_of_birth": "1990-05-17",
    }
    row.update(overrides)
    return row


def csv_bytes(rows: list[dict], header=COLUMNS, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def import_csv(rows: list[dict], **kwargs):
    return members_import_file(data=csv_bytes(rows), file_format="csv", **kwargs)


@pytest.fixture
def counts():
    """counts() -> rows of every table an import writes to (compare before and after)."""

    def _counts():
        return {
            "users": User.objects.count(),
            "members": Member.all_objects.count(),
            "memberships": Membership.objects.count(),
            "messages": Message.objects.count(),
            "audit": AuditEvent.objects.filter(action="members.imported").count(),
        }

    return _counts


@pytest.fixture
def refused(counts):
    """refused(data, file_format="csv") -> the problem messages; asserts nothing was written."""

    def _refused(data: bytes, file_format: str = "csv") -> list[str]:
        before = counts()
        with pytest.raises(ImportRejected) as excinfo:
            members_import_file(data=data, file_format=file_format)
        assert counts() == before
        return excinfo.value.messages

    return _refused


# --- happy paths ------------------------------------------------------------------


def test_csv_import_creates_members_logins_and_memberships(admin_user, plan, today, counts, mailoutbox):
    # given
    before = counts()
    start = today - datetime.timedelta(days=10)
    rows = [
        good_row(plan="monthly", membership_start=start.strftime("%d/%m/%Y"), whatsapp_opt_in="yes"),
        good_row(email="Karim@Example.com", biometric_id="1042", emergency_contact_name="Rahim",
                 emergency_contact_phone="01812345678"),
        good_row(date_of_birth="", last_name=""),
    ]  # fmt: skip
    # when
    result = import_csv(rows, by=admin_user, source="register.csv")
    # then
    assert result.created == 3 and result.memberships == 1 and result.welcome_emails == 0
    after = counts()
    assert after["users"] == before["users"] + 3
    assert after["members"] == before["members"] + 3
    assert after["messages"] == before["messages"] and mailoutbox == []
    with_plan, karim, third = (Member.objects.select_related("user").get(user__email=r["email"].lower()) for r in rows)
    assert karim.user.email == "karim@example.com"
    assert karim.biometric_id == "1042" and karim.emergency_contact_phone == "+8801812345678"
    assert with_plan.phone == rows[0]["phone"].replace("0", "+880", 1) and with_plan.whatsapp_opt_in
    assert third.date_of_birth is None and third.user.last_name == ""
    for member in (with_plan, karim, third):
        assert member.user.role == User.Role.MEMBER
        assert member.user.must_change_password and not member.user.has_usable_password()
        assert member.user.groups.filter(name=ROLE_GROUPS["MEMBER"]).exists()
        assert member.code.startswith("M") and member.history.get().history_user == admin_user
    membership = Membership.objects.get(member=with_plan)
    assert (membership.plan, membership.starts_on, membership.price) == (plan, start, plan.price)
    assert membership.ends_on == term_end(plan=plan, starts_on=start)
    assert membership.history.get().history_user == admin_user
    # The status rule ran: a covering membership makes the member ACTIVE.
    assert with_plan.status == Member.Status.ACTIVE and with_plan.history.get().status == "ACTIVE"
    assert karim.status == third.status == Member.Status.INACTIVE
    event = AuditEvent.objects.get(action="members.imported")
    assert event.actor == admin_user and event.data["rows"] == 3 and "register.csv" in event.summary


def test_xlsx_import_reads_dates_numbers_and_yes_no_cells(admin_user, plan, today):
    # given a sheet as Excel writes it: date cells, numeric phones without the leading 0
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    sheet.append(["ayesha@example.com", "Ayesha", "Siddiqua", 1712345678, datetime.datetime(1995, 3, 9), "Monthly",
                  datetime.datetime.combine(today, datetime.time()), None, 77, None, None, True])  # fmt: skip
    sheet.append(["tanvir@example.com", "Tanvir", "Hasan", "+447700900123", "09/03/1988"] + [None] * 7)
    sheet.append([None] * 12)  # trailing blank row, as Excel leaves them
    data = io.BytesIO()
    book.save(data)
    # when
    result = members_import_file(data=data.getvalue(), file_format="xlsx", by=admin_user)
    # then
    assert result.created == 2
    ayesha = Member.objects.get(user__email="ayesha@example.com")
    assert ayesha.phone == "+8801712345678"
    assert ayesha.date_of_birth == datetime.date(1995, 3, 9)
    assert ayesha.biometric_id == "77" and ayesha.whatsapp_opt_in
    assert ayesha.memberships.get().starts_on == today and ayesha.status == Member.Status.ACTIVE
    tanvir = Member.objects.get(user__email="tanvir@example.com")
    assert tanvir.date_of_birth == datetime.date(1988, 3, 9) and tanvir.phone == "+447700900123"


def test_welcome_emails_are_queued_only_when_asked(admin_user, django_capture_on_commit_callbacks, mailoutbox):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = import_csv([good_row(email="one@example.com"), good_row(email="two@example.com")], send_welcome=True)
    # then: one outbox message each, sent by the (inline) worker after commit
    assert result.welcome_emails == 2
    assert Message.objects.filter(template="welcome", recipient__in=["one@example.com", "two@example.com"]).count() == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["one@example.com", "two@example.com"]
    assert all(Message.objects.get(recipient=m.to[0]).status == Message.Status.SENT for m in mailoutbox)
    assert User.objects.get(email="one@example.com").has_usable_password()  # the temporary password


def test_large_welcome_batches_are_left_to_the_outbox_sweep(
    monkeypatch, django_capture_on_commit_callbacks, mailoutbox
):
    # given an import bigger than what is handed to the worker at once
    monkeypatch.setattr(import_write, "ENQUEUE_AT_ONCE", 1)
    with django_capture_on_commit_callbacks(execute=True):
        import_csv([good_row(email="now@example.com"), good_row(email="later@example.com")], send_welcome=True)
    assert [m.to for m in mailoutbox] == [["now@example.com"]]
    # when the every-minute outbox sweep runs
    with django_capture_on_commit_callbacks(execute=True):
        messages_enqueue_due(grace=datetime.timedelta(0))
    # then
    assert sorted(m.to[0] for m in mailoutbox) == ["later@example.com", "now@example.com"]


def test_generated_codes_continue_the_counter_and_skip_carried_over_codes(db):
    # given
    first = make_member()
    # when: one row keeps its code from the old register, one gets a new code
    import_csv([good_row(code="m00050", email="kept@example.com"), good_row(email="new@example.com")])
    # then
    assert Member.objects.get(user__email="kept@example.com").code == "M00050"
    assert Member.objects.get(user__email="new@example.com").code == "M00051"
    assert member_next_code() == "M00052"  # never hands out a carried-over code
    assert first.code < "M00050"


def test_counter_reserve_returns_the_first_of_a_block(db):
    assert counter_reserve(name="test-block", n=3) == 1
    assert counter_reserve(name="test-block", n=2) == 4
    assert counter_reserve(name="test-block", n=1, floor=10) == 11


def test_import_runs_a_fixed_number_of_queries_whatever_the_row_count(plan):
    def queries_for(n: int) -> int:
        rows = [good_row(plan="Monthly") for _ in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            import_csv(rows)
        return len(ctx.captured_queries)

    queries_for(1)  # the first import also creates the role group and the code counter
    assert queries_for(3) == queries_for(40)


# --- bad files: a clear message, nothing written ------------------------------------------


def test_wrong_columns_are_named_in_one_message(refused):
    # given ("Email" and "First Name" are fine: case and spaces do not matter)
    header = ["Email", "First Name", "last_name", "telephone", "", "date_of_birth", "first_name"]
    data = csv_bytes([{"Email": "a@example.com", "telephone": "01711000000"}], header=header)
    # when
    (message,) = refused(data)
    # then
    assert message.startswith(
        "The columns do not match: missing phone; unknown “telephone”, a column with no name (column 5); "
        "repeated first_name. "
        "The first row must name the columns: email, first_name, last_name, phone, date_of_birth (required) and "
        "plan, membership_start, code,"
    )


def test_latin1_file_is_refused_with_how_to_save_as_utf8(refused):
    data = csv_bytes([good_row(first_name="José")], encoding="latin-1")
    (message,) = refused(data)
    assert "not UTF-8" in message and "line 2" in message and "CSV UTF-8" in message


def test_utf16_file_is_refused(refused):
    (message,) = refused(csv_bytes([good_row()], encoding="utf-16"))
    assert "UTF-16" in message and "CSV UTF-8" in message


def test_utf8_with_bom_and_semicolons_is_read(db):
    data = csv_bytes([good_row(first_name="Zoë", email="zoe@example.com")]).replace(b",", b";")
    members_import_file(data=b"\xef\xbb\xbf" + data, file_format="csv")
    assert User.objects.get(email="zoe@example.com").first_name == "Zoë"


@pytest.mark.parametrize("data", [b"", b"  \n\n", csv_bytes([]), csv_bytes([]) + b",,,,\n"])
def test_empty_or_header_only_file_has_no_rows(refused, data):
    (message,) = refused(data)
    assert message.startswith("The file has no rows")


def test_xlsx_format_for_a_csv_file_is_refused(refused):
    (message,) = refused(csv_bytes([good_row()]), file_format="xlsx")
    assert "not an Excel workbook" in message


def test_too_many_rows_names_the_limit_and_how_to_split(refused, settings):
    # given 100,000 rows, five times the limit
    settings.MEMBER_IMPORT_MAX_ROWS = 20000
    body = "".join(f"m{i}@example.com,A,B,01711{i:06d},1990-01-01\n" for i in range(100_000))
    data = ("email,first_name,last_name,phone,date_of_birth\n" + body).encode()
    # when / then
    (message,) = refused(data)
    assert "more than 20,000 rows" in message and "Split it into files" in message


def test_every_bad_row_is_reported_and_nothing_is_written(refused, plan):
    # given
    make_plan(name="Old Saver", is_active=False)
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    rows = [
        good_row(),  # row 2 is fine
        good_row(email="not-an-email"),  # 3
        good_row(phone="12345"),  # 4
        good_row(date_of_birth="31/02/1990"),  # 5
        good_row(date_of_birth=future),  # 6
        good_row(plan="Gold"),  # 7
        good_row(plan="old saver"),  # 8
        good_row(membership_start="2026-13-01", plan="Monthly"),  # 9
        good_row(membership_start="2026-01-01"),  # 10: no plan
        good_row(first_name="", email=""),  # 11
        good_row(whatsapp_opt_in="maybe"),  # 12
        good_row(code="M12345678901"),  # 13
        good_row(code="M 1"),  # 14
    ]
    # when
    messages = refused(csv_bytes(rows))
    # then
    assert messages == [
        "Row 3: email “not-an-email” is not a valid email address.",
        "Row 4: phone “12345” is not a phone number we can use; write it like 01712345678 or, for other "
        "countries, +447700900123.",
        "Row 5: date_of_birth “31/02/1990” is not a date; write it as YYYY-MM-DD or DD/MM/YYYY.",
        f"Row 6: date_of_birth {future} is not a real date in the past.",
        "Row 7: plan “Gold” does not exist; the plans on sale are: Monthly.",
        "Row 8: plan “Old Saver” is inactive (no longer sold); choose one of: Monthly.",
        "Row 9: membership_start “2026-13-01” is not a date; write it as YYYY-MM-DD or DD/MM/YYYY.",
        "Row 10: membership_start is set but plan is empty; give the plan too.",
        "Row 11: email is empty; every member needs an email address to log in.",
        "Row 11: first_name is empty.",
        "Row 12: whatsapp_opt_in “maybe” must be yes or no.",
        "Row 13: code “M12345678901” is too high a number; codes like M00042 go up to M9999999999.",
        "Row 14: code “M 1” may only hold letters, digits and dashes, up to 12 characters.",
    ]


def test_duplicates_in_the_file_are_refused(refused):
    rows = [
        good_row(email="dup@example.com", code="A-1", biometric_id="9"),
        good_row(email="DUP@example.com", code="a-1", biometric_id="9"),
    ]
    assert refused(csv_bytes(rows)) == [
        "Row 3: email “dup@example.com” also appears in row 2.",
        "Row 3: code “A-1” also appears in row 2.",
        "Row 3: biometric_id “9” also appears in row 2.",
    ]


def test_emails_codes_and_fingerprints_already_in_gymos_are_refused(refused):
    # given an existing member (emails match whatever their case)
    existing = make_member(email="taken@example.com", biometric_id="555")
    rows = [good_row(email="Taken@Example.com"), good_row(code=existing.code), good_row(biometric_id="555")]
    # when
    messages = refused(csv_bytes(rows))
    # then
    assert messages == [
        "Row 2: email “taken@example.com” already has an account in GymOS; the import only adds new members.",
        f"Row 3: code “{existing.code}” already belongs to a member.",
        f"Row 4: biometric_id “555” is already enrolled for member {existing.code}.",
    ]


def test_values_right_of_the_last_column_are_refused(refused):
    data = csv_bytes([good_row()]) + b"x@example.com,A,B,01711000000,1990-01-01,,,,,,,,surprise\n"
    (message,) = refused(data)
    assert message.startswith("Row 3 has values to the right of the last named column")
