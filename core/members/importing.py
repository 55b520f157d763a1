"""Importing members from a spreadsheet (moving a paper register or another
system into GymOS): the row checks. The bulk write is in ``import_write``.

Rules (the import page repeats them for staff):
- An import only creates members. A row whose email, code or fingerprint ID
  is already taken, by another row or in GymOS (deleted members included), is
  an error; existing members are edited in the admin.
- Every row is checked before anything is written and every problem is
  reported ("Row 7: email “x” is not a valid email address"). If any row has
  a problem, nothing is written.
- Row numbers are the ones a spreadsheet program shows (the header is row 1).
"""

import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from core.accounts.models import User
from core.common.phone import normalize_phone
from core.common.services import audit_record
from core.common.tabular import (
    NO_ROWS,
    ImportProblem,
    ImportRejected,
    Table,
    check_columns,
    file_problem,
    parse_date,
    parse_yes_no,
    read_table,
    too_many_rows,
)
from core.members.import_write import MemberImportResult, write_members
from core.members.models import Member
from core.memberships.models import Plan

REQUIRED_COLUMNS = ("email", "first_name", "last_name", "phone", "date_of_birth")
OPTIONAL_COLUMNS = (
    "plan", "membership_start", "code", "biometric_id", "emergency_contact_name", "emergency_contact_phone",
    "whatsapp_opt_in",
)  # fmt: skip
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,11}$")
_QUERY_CHUNK = 2000


@dataclass
class MemberImportRow:
    number: int
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    date_of_birth: datetime.date | None = None
    plan: Plan | None = None
    membership_start: datetime.date | None = None
    code: str = ""
    biometric_id: str = ""
    emergency_contact_name: str = ""
    emergency_contact_phone: str = ""
    whatsapp_opt_in: bool = False


class _RowChecker:
    """Reads one row's cells into a MemberImportRow, noting every problem."""

    def __init__(self, number: int, cells: dict[str, str], plans: dict[str, Plan], today: datetime.date):
        self.cells, self.plans, self.today = cells, plans, today
        self.row = MemberImportRow(number=number)
        self.problems: list[ImportProblem] = []

    def problem(self, column: str, message: str) -> None:
        self.problems.append(ImportProblem(self.row.number, column, message))

    def text(self, column: str, max_length: int, *, required: bool = False) -> str:
        value = self.cells.get(column, "")
        if required and not value:
            self.problem(column, f"{column} is empty.")
        elif len(value) > max_length:
            self.problem(column, f"{column} is longer than {max_length} characters.")
        return value

    def phone(self, column: str, *, required: bool = False) -> str:
        raw = self.cells.get(column, "")
        if not raw:
            if required:
                self.problem(column, f"{column} is empty.")
            return ""
        # Excel drops the leading 0 of 01712345678 when the column holds numbers.
        candidate = "0" + raw if re.fullmatch(r"1[3-9]\d{8}", raw) else raw
        try:
            return normalize_phone(candidate)
        except ValidationError:
            self.problem(
                column,
                f"{column} “{raw}” is not a phone number we can use; "
                "write it like 01712345678 or, for other countries, +447700900123.",
            )
            return ""

    def date(self, column: str) -> datetime.date | None:
        raw = self.cells.get(column, "")
        if not raw:
            return None
        try:
            return parse_date(raw)
        except ValueError:
            self.problem(column, f"{column} “{raw}” is not a date; write it as YYYY-MM-DD or DD/MM/YYYY.")
            return None

    def check(self) -> tuple[MemberImportRow, list[ImportProblem]]:
        row = self.row
        email = self.cells.get("email", "").lower()
        if not email:
            self.problem("email", "email is empty; every member needs an email address to log in.")
        else:
            try:
                validate_email(email)
                row.email = email
            except ValidationError:
                self.problem("email", f"email “{self.cells['email']}” is not a valid email address.")
        row.first_name = self.text("first_name", 80, required=True)
        row.last_name = self.text("last_name", 80)
        row.phone = self.phone("phone", required=True)
        row.date_of_birth = self.date("date_of_birth")
        if row.date_of_birth and not datetime.date(1900, 1, 1) <= row.date_of_birth <= self.today:
            self.problem("date_of_birth", f"date_of_birth {row.date_of_birth:%Y-%m-%d} is not a real date in the past.")
        self._plan()
        code = self.cells.get("code", "").upper()
        if code and not _CODE.match(code):
            self.problem("code", f"code “{code}” may only hold letters, digits and dashes, up to 12 characters.")
        elif re.fullmatch(r"M\d{11,}", code):
            # Carried-over codes move the code counter past them; this one would overflow it.
            self.problem("code", f"code “{code}” is too high a number; codes like M00042 go up to M9999999999.")
        row.code = code if code and _CODE.match(code) else ""
        row.biometric_id = self.text("biometric_id", Member._meta.get_field("biometric_id").max_length)
        row.emergency_contact_name = self.text("emergency_contact_name", 120)
        row.emergency_contact_phone = self.phone("emergency_contact_phone")
        try:
            row.whatsapp_opt_in = parse_yes_no(self.cells.get("whatsapp_opt_in", ""))
        except ValueError:
            self.problem("whatsapp_opt_in", f"whatsapp_opt_in “{self.cells['whatsapp_opt_in']}” must be yes or no.")
        return row, self.problems

    def _plan(self) -> None:
        name = self.cells.get("plan", "")
        start = self.date("membership_start")
        if not name:
            if start:
                self.problem("membership_start", "membership_start is set but plan is empty; give the plan too.")
            return
        plan = self.plans.get(name.lower())
        choices = ", ".join(p.name for p in self.plans.values() if p.is_active) or "(none: add a plan first)"
        if plan is None:
            self.problem("plan", f"plan “{name}” does not exist; the plans on sale are: {choices}.")
        elif not plan.is_active:
            self.problem("plan", f"plan “{plan.name}” is inactive (no longer sold); choose one of: {choices}.")
        else:
            self.row.plan = plan
            self.row.membership_start = start or self.today


def _taken(queryset, field: str, values: list[str], owner: str) -> dict[str, str]:
    """{value: ``owner`` field of the row that has it} for values already in the database."""
    found = {}
    for i in range(0, len(values), _QUERY_CHUNK):
        chunk = values[i : i + _QUERY_CHUNK]
        found.update(queryset.filter(**{f"{field}__in": chunk}).values_list(field, owner))
    return found


def _check_unique(rows: list[MemberImportRow]) -> list[ImportProblem]:
    problems = []
    for column in ("email", "code", "biometric_id"):
        first_seen: dict[str, int] = {}
        for row in rows:
            value = getattr(row, column)
            if not value:
                continue
            if value in first_seen:
                problems.append(
                    ImportProblem(row.number, column, f"{column} “{value}” also appears in row {first_seen[value]}.")
                )
            else:
                first_seen[value] = row.number
    # Deleted and purged members count: codes and fingerprint IDs are never reused.
    members = Member.all_objects.all()
    emails = _taken(
        User.objects.annotate(email_ci=Lower("email")), "email_ci", [r.email for r in rows if r.email], "email"
    )
    codes = _taken(members, "code", [r.code for r in rows if r.code], "code")
    fingerprints = _taken(members, "biometric_id", [r.biometric_id for r in rows if r.biometric_id], "code")
    for row in rows:
        if row.email in emails:
            message = f"email “{row.email}” already has an account in GymOS; the import only adds new members."
            problems.append(ImportProblem(row.number, "email", message))
        if row.code in codes:
            problems.append(ImportProblem(row.number, "code", f"code “{row.code}” already belongs to a member."))
        if row.biometric_id in fingerprints:
            problems.append(
                ImportProblem(
                    row.number,
                    "biometric_id",
                    f"biometric_id “{row.biometric_id}” is already enrolled for member "
                    f"{fingerprints[row.biometric_id]}.",
                )
            )
    return problems


def members_import_check(*, table: Table, today: datetime.date | None = None) -> list[MemberImportRow]:
    """Check every row of ``table``; raise ImportRejected listing every
    problem, or return the rows ready to write. Reads a fixed number of queries."""
    today = today or timezone.localdate()
    limit = settings.MEMBER_IMPORT_MAX_ROWS
    if len(table) > limit:
        raise file_problem(too_many_rows(limit))
    try:
        names = check_columns(table.headers, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS)
    except ValidationError as exc:
        raise ImportRejected([ImportProblem(None, "", m) for m in exc.messages]) from exc
    if not table.rows:
        raise file_problem(NO_ROWS)
    plans = {plan.name.lower(): plan for plan in Plan.objects.order_by("name")}
    rows, problems = [], []
    for number, cells in table.rows:
        row, row_problems = _RowChecker(number, dict(zip(names, cells, strict=True)), plans, today).check()
        rows.append(row)
        problems.extend(row_problems)
    problems.extend(_check_unique(rows))
    if problems:
        problems.sort(key=lambda p: (p.row or 0, COLUMNS.index(p.column) if p.column in COLUMNS else 0))
        raise ImportRejected(problems)
    return rows


@transaction.atomic
def members_import(
    *,
    table: Table,
    by: User | None = None,
    send_welcome: bool = False,
    source: str = "",
    today: datetime.date | None = None,
) -> MemberImportResult:
    """Create a member (and login) for every row of ``table``, all or nothing.

    Raises ImportRejected, having written nothing, if any row has a problem.
    ``send_welcome`` queues each new member a welcome email with a temporary
    password (off by default: a gym moving its register usually tells members
    first); the worker sends the first at once and the outbox sweep the rest,
    about 1,000 a minute. Records one "members.imported" audit event.
    """
    today = today or timezone.localdate()
    rows = members_import_check(table=table, today=today)
    reason = f"Imported from {source}" if source else "Imported"
    try:
        with transaction.atomic():
            result = write_members(rows, by=by, send_welcome=send_welcome, reason=reason[:100], today=today)
    except IntegrityError as exc:
        # Someone added one of these emails, codes or fingerprint IDs while the file was being imported.
        raise file_problem(
            "Another change to members was saved while importing, and now clashes with a row of the file; "
            "nothing was imported. Import the file again to see which rows clash."
        ) from exc
    audit_record(
        action="members.imported",
        summary=f"{result.created} members imported" + (f" from {source}" if source else ""),
        actor=by,
        data={
            "rows": result.created,
            "memberships": result.memberships,
            "welcome_emails": result.welcome_emails,
            "source": source,
        },
    )
    return result


def members_import_file(*, data: bytes, file_format: str, **kwargs) -> MemberImportResult:
    """Read a CSV or XLSX file and import it with ``members_import`` (same
    keyword arguments). Problems with the file itself come as ImportRejected too."""
    try:
        table = read_table(data, file_format=file_format, max_rows=settings.MEMBER_IMPORT_MAX_ROWS)
    except ValidationError as exc:
        raise ImportRejected([ImportProblem(None, "", m) for m in exc.messages]) from exc
    return members_import(table=table, **kwargs)
