"""Importing plans from a spreadsheet.

Plans are catalogue data, so a row whose name matches an existing plan
(ignoring case) updates that plan and other rows create plans. A column left
out of the file leaves that field of existing plans as it is. Facilities are
named, comma-separated, and must already exist: an unknown name is an error
that names it, so a typo never creates a facility. Every row is checked
first; if any row has a problem, nothing is written.
"""

import contextlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from core.common.actors import acting_as
from core.common.money import to_money
from core.common.services import audit_record
from core.common.tabular import (
    NO_ROWS,
    ImportProblem,
    ImportRejected,
    Table,
    check_columns,
    file_problem,
    parse_yes_no,
    too_many_rows,
)
from core.memberships.models import Facility, Plan

REQUIRED_COLUMNS = ("name", "price", "interval_count", "interval_unit")
OPTIONAL_COLUMNS = ("perks", "class_credits", "facilities", "is_active")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
MAX_ROWS = 1000  # a catalogue, not a register
MAX_PRICE = Decimal("9999999999.99")  # MoneyField(12, 2)
MAX_SMALL = 32767  # PositiveSmallIntegerField
# "month", "Months", "MONTH"... (matched lower-case)
_UNITS = {name: unit for unit in Plan.IntervalUnit for name in (unit.value.lower(), unit.value.lower() + "s")}


@dataclass
class PlanImportRow:
    number: int
    name: str = ""
    price: Decimal | None = None
    interval_count: int = 1
    interval_unit: str = Plan.IntervalUnit.MONTH
    perks: str = ""
    class_credits: int = 0
    facilities: list[Facility] = field(default_factory=list)
    is_active: bool = True
    plan: Plan | None = None  # the existing plan this row updates

    @property
    def is_update(self) -> bool:
        return self.plan is not None


@dataclass
class PlanImportResult:
    created: int = 0
    updated: int = 0


class _RowChecker:
    def __init__(self, number: int, cells: dict[str, str], plans: dict, facilities: dict):
        self.cells, self.plans, self.facilities = cells, plans, facilities
        self.row = PlanImportRow(number=number)
        self.problems: list[ImportProblem] = []

    def problem(self, column: str, message: str) -> None:
        self.problems.append(ImportProblem(self.row.number, column, message))

    def whole_number(self, column: str, *, minimum: int, default: int) -> int:
        raw = self.cells.get(column, "")
        if not raw:
            if column in REQUIRED_COLUMNS:
                self.problem(column, f"{column} is empty.")
            return default
        try:
            value = int(raw)
        except ValueError:
            self.problem(column, f"{column} “{raw}” is not a whole number.")
            return default
        if not minimum <= value <= MAX_SMALL:
            self.problem(column, f"{column} {value} must be between {minimum} and {MAX_SMALL}.")
        return value

    def check(self) -> tuple[PlanImportRow, list[ImportProblem]]:
        row, cells = self.row, self.cells
        row.name = cells.get("name", "")
        if not row.name:
            self.problem("name", "name is empty.")
        elif len(row.name) > 80:
            self.problem("name", "name is longer than 80 characters.")
        row.plan = self.plans.get(row.name.lower())
        self._price()
        row.interval_count = self.whole_number("interval_count", minimum=1, default=1)
        raw_unit = cells.get("interval_unit", "")
        row.interval_unit = _UNITS.get(raw_unit.lower(), "")
        if not row.interval_unit:
            self.problem("interval_unit", f"interval_unit “{raw_unit}” must be one of day, week, month or year.")
        row.perks = cells.get("perks", "")
        row.class_credits = self.whole_number("class_credits", minimum=0, default=0)
        names = [n.strip() for n in cells.get("facilities", "").split(",") if n.strip()]
        unknown = [n for n in names if n.lower() not in self.facilities]
        if unknown:
            known = ", ".join(f.name for f in self.facilities.values()) or "(none yet: add them first)"
            self.problem(
                "facilities",
                f"facilities {', '.join(f'“{n}”' for n in unknown)} do not exist; the facilities are: {known}.",
            )
        row.facilities = [self.facilities[n.lower()] for n in names if n.lower() in self.facilities]
        try:
            row.is_active = parse_yes_no(cells.get("is_active") or "yes")
        except ValueError:
            self.problem("is_active", f"is_active “{cells['is_active']}” must be yes or no.")
        return row, self.problems

    def _price(self) -> None:
        raw = self.cells.get("price", "")
        if not raw:
            self.problem("price", "price is empty.")
            return
        try:
            price = to_money(raw)
        except ValidationError:
            self.problem("price", f"price “{raw}” is not an amount of money; write it like 1500 or 1500.00.")
            return
        if price < 0:
            self.problem("price", f"price {raw} is negative.")
        elif price > MAX_PRICE:
            self.problem("price", f"price {raw} is too large.")
        else:
            self.row.price = price


def plans_import_check(*, table: Table) -> tuple[list[PlanImportRow], set[str]]:
    """Check every row; raise ImportRejected listing every problem, or return
    the rows ready to write and the set of columns the file has."""
    if len(table) > MAX_ROWS:
        raise file_problem(too_many_rows(MAX_ROWS))
    try:
        names = check_columns(table.headers, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS)
    except ValidationError as exc:
        raise ImportRejected([ImportProblem(None, "", m) for m in exc.messages]) from exc
    if not table.rows:
        raise file_problem(NO_ROWS)
    plans = {plan.name.lower(): plan for plan in Plan.objects.all()}
    facilities = {facility.name.lower(): facility for facility in Facility.objects.order_by("name")}
    rows, problems, seen = [], [], {}
    for number, cells in table.rows:
        row, row_problems = _RowChecker(number, dict(zip(names, cells, strict=True)), plans, facilities).check()
        key = row.name.lower()
        if key and key in seen:
            row_problems.append(ImportProblem(number, "name", f"name “{row.name}” also appears in row {seen[key]}."))
        seen.setdefault(key, number)
        rows.append(row)
        problems.extend(row_problems)
    if problems:
        raise ImportRejected(problems)
    return rows, set(names)


@transaction.atomic
def plans_import(*, table: Table, by=None, source: str = "") -> PlanImportResult:
    """Create or update a plan per row of ``table``, all or nothing; raises
    ImportRejected, having written nothing, if any row has a problem."""
    rows, columns = plans_import_check(table=table)
    result = PlanImportResult()
    # History entries name the person importing (or keep the caller's actor, e.g. the system user).
    with acting_as(by) if by is not None else contextlib.nullcontext():
        for row in rows:
            plan = Plan.objects.select_for_update().get(pk=row.plan.pk) if row.plan else Plan(name=row.name)
            plan.name = row.name
            plan.price = row.price
            plan.interval_count = row.interval_count
            plan.interval_unit = row.interval_unit
            # Optional columns left out of the file keep an existing plan's values.
            for name in ("perks", "class_credits", "is_active"):
                if name in columns or not row.is_update:
                    setattr(plan, name, getattr(row, name))
            try:
                plan.full_clean()
            except ValidationError as exc:  # a rule the row checks do not cover
                raise ImportRejected([ImportProblem(row.number, "", m) for m in exc.messages]) from exc
            plan.save()
            if "facilities" in columns:
                plan.facilities.set(row.facilities)
            if row.is_update:
                result.updated += 1
            else:
                result.created += 1
    audit_record(
        action="plans.imported",
        summary=f"Plans imported{f' from {source}' if source else ''}: {result.created} new, {result.updated} updated",
        actor=by,
        data={"created": result.created, "updated": result.updated, "source": source},
    )
    return result
