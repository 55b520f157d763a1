"""Importing the catalogue from a spreadsheet: products, then their SKUs.

Products are matched by name and SKUs by code (both ignoring case): a match
updates, anything else creates. A SKU row names its product, which must
exist already, so a typo never creates a product. Stock is not catalogue
data: ``stock_on_hand`` is never written by an import (the column may stay in
an exported file, unchanged), and a new SKU's ``opening_stock`` becomes a
RECEIVED movement. Every row is checked first; if any row has a problem,
nothing is written.
"""

import contextlib
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from core.common.actors import acting_as, get_system_user
from core.common.money import to_money
from core.common.services import audit_record
from core.common.tabular import (
    ImportProblem,
    ImportRejected,
    Table,
    check_columns,
    file_problem,
    parse_yes_no,
    too_many_rows,
)
from core.inventory.models import SKU, Product, StockMovement, validate_sku_code
from core.inventory.services.stock import stock_move

PRODUCT_REQUIRED = ("name", "category")
PRODUCT_OPTIONAL = ("description", "is_active")
SKU_REQUIRED = ("product", "code", "price", "cost")
SKU_OPTIONAL = ("size", "flavour", "colour", "low_stock_threshold", "is_active", "opening_stock", "stock_on_hand")
MAX_ROWS = 5000  # a catalogue, not a register
MAX_MONEY = Decimal("9999999999.99")  # MoneyField(12, 2)
MAX_COUNT = 1_000_000
_CATEGORIES = {
    name: value
    for value, label in Product.Category.choices
    for name in (value.lower(), label.lower(), value.lower() + "s", label.lower() + "s")
}
_LIMITS = {"name": 120, "size": 30, "flavour": 40, "colour": 30, "code": 40}


@dataclass
class ProductRow:
    number: int
    name: str = ""
    category: str = ""
    description: str = ""
    is_active: bool = True
    product: Product | None = None  # the existing product this row updates


@dataclass
class SKURow:
    number: int
    product: Product | None = None
    code: str = ""
    size: str = ""
    flavour: str = ""
    colour: str = ""
    price: Decimal | None = None
    cost: Decimal | None = None
    low_stock_threshold: int = 5
    is_active: bool = True
    opening_stock: int = 0
    sku: SKU | None = None  # the existing SKU this row updates


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    received: int = 0  # units of opening stock


class _Checker:
    """Reads one row's cells into typed values, collecting every problem."""

    def __init__(self, number: int, cells: dict[str, str]):
        self.number, self.cells = number, cells
        self.problems: list[ImportProblem] = []

    def problem(self, column: str, message: str) -> None:
        self.problems.append(ImportProblem(self.number, column, message))

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.cells.get(column, "")
        if required and not value:
            self.problem(column, f"{column} is empty.")
        elif column in _LIMITS and len(value) > _LIMITS[column]:
            self.problem(column, f"{column} is longer than {_LIMITS[column]} characters.")
        return value

    def money(self, column: str) -> Decimal | None:
        raw = self.cells.get(column, "")
        if not raw:
            self.problem(column, f"{column} is empty.")
            return None
        try:
            amount = to_money(raw)
        except ValidationError:
            self.problem(column, f"{column} “{raw}” is not an amount of money; write it like 1500 or 1500.00.")
            return None
        if amount < 0:
            self.problem(column, f"{column} {raw} is negative.")
        elif amount > MAX_MONEY:
            self.problem(column, f"{column} {raw} is too large.")
        else:
            return amount
        return None

    def count(self, column: str, *, default: int) -> int:
        raw = self.cells.get(column, "")
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.problem(column, f"{column} “{raw}” is not a whole number.")
            return default
        if not 0 <= value <= MAX_COUNT:
            self.problem(column, f"{column} {value} must be between 0 and {MAX_COUNT:,}.")
            return default
        return value

    def yes_no(self, column: str) -> bool:
        try:
            return parse_yes_no(self.cells.get(column) or "yes")
        except ValueError:
            self.problem(column, f"{column} “{self.cells[column]}” must be yes or no.")
            return True


def _columns(table: Table, required, optional) -> list[str]:
    if len(table) > MAX_ROWS:
        raise file_problem(too_many_rows(MAX_ROWS))
    try:
        return check_columns(table.headers, required=required, optional=optional)
    except ValidationError as exc:
        raise ImportRejected([ImportProblem(None, "", m) for m in exc.messages]) from exc


def _repeated(seen: dict[str, int], key: str, number: int, column: str, value: str) -> list[ImportProblem]:
    if key and key in seen:
        return [ImportProblem(number, column, f"{column} “{value}” also appears in row {seen[key]}.")]
    seen.setdefault(key, number)
    return []


# --- products -------------------------------------------------------------------


def products_import_check(*, table: Table) -> tuple[list[ProductRow], set[str]]:
    """Check every row; raise ImportRejected listing every problem, or return the rows and the columns present."""
    names = _columns(table, PRODUCT_REQUIRED, PRODUCT_OPTIONAL)
    existing = {product.name.lower(): product for product in Product.objects.all()}
    rows, problems, seen = [], [], {}
    for number, cells in table.rows:
        check = _Checker(number, dict(zip(names, cells, strict=True)))
        row = ProductRow(number=number, name=check.text("name", required=True))
        raw_category = check.text("category", required=True)
        row.category = _CATEGORIES.get(raw_category.lower(), "")
        if raw_category and not row.category:
            known = ", ".join(label.lower() for label in Product.Category.labels)
            check.problem("category", f"category “{raw_category}” is not one of: {known}.")
        row.description = check.text("description")
        row.is_active = check.yes_no("is_active")
        row.product = existing.get(row.name.lower())
        problems += check.problems + _repeated(seen, row.name.lower(), number, "name", row.name)
        rows.append(row)
    if problems:
        raise ImportRejected(problems)
    return rows, set(names)


@transaction.atomic
def products_import(*, table: Table, by=None, source: str = "") -> ImportResult:
    """Create or update a product per row, all or nothing."""
    rows, columns = products_import_check(table=table)
    result = ImportResult()
    with acting_as(by) if by is not None else contextlib.nullcontext():
        for row in rows:
            product = Product.objects.select_for_update().get(pk=row.product.pk) if row.product else Product()
            product.name, product.category = row.name, row.category
            # Optional columns left out of the file keep an existing product's values.
            for name in ("description", "is_active"):
                if name in columns or row.product is None:
                    setattr(product, name, getattr(row, name))
            _save(product, row.number)
            result.updated += row.product is not None
            result.created += row.product is None
    _audit("inventory.products_imported", "Products", result, by, source)
    return result


# --- SKUs -------------------------------------------------------------------------


def _check_sku_row(check: _Checker, products: dict, skus: dict) -> SKURow:
    row = SKURow(number=check.number)
    product_name = check.text("product", required=True)
    row.product = products.get(product_name.lower())
    if product_name and row.product is None:
        check.problem("product", f"product “{product_name}” does not exist; import or add the product first.")
    row.code = check.text("code", required=True)
    if row.code and len(row.code) <= _LIMITS["code"]:
        try:
            validate_sku_code(row.code)
        except ValidationError as exc:
            check.problem("code", f"code “{row.code}”: {exc.messages[0]}")
    row.sku = skus.get(row.code.lower())
    if row.sku is not None and row.product is not None and row.sku.product_id != row.product.pk:
        check.problem(
            "code", f"code “{row.code}” is already used by a SKU of {row.sku.product.name}; SKU codes must be unique."
        )
    row.size, row.flavour, row.colour = check.text("size"), check.text("flavour"), check.text("colour")
    row.price, row.cost = check.money("price"), check.money("cost")
    current = row.sku.low_stock_threshold if row.sku else 5
    row.low_stock_threshold = check.count("low_stock_threshold", default=current)
    row.is_active = check.yes_no("is_active")
    row.opening_stock = check.count("opening_stock", default=0)
    if row.opening_stock and row.sku is not None:
        check.problem(
            "opening_stock",
            f"opening_stock is only for new SKUs; {row.sku.code} exists: use “Receive stock” for deliveries.",
        )
    stock = check.cells.get("stock_on_hand", "")
    if stock and stock != str(row.sku.stock_on_hand if row.sku else 0):
        check.problem(
            "stock_on_hand",
            "stock_on_hand cannot be changed by an import (stock changes only through receipts, adjustments "
            "and stock takes): leave the exported value or clear it; for a new SKU use opening_stock.",
        )
    return row


def skus_import_check(*, table: Table) -> tuple[list[SKURow], set[str]]:
    """Check every row; raise ImportRejected listing every problem, or return the rows and the columns present."""
    names = _columns(table, SKU_REQUIRED, SKU_OPTIONAL)
    products = {product.name.lower(): product for product in Product.objects.all()}
    skus = {sku.code.lower(): sku for sku in SKU.objects.select_related("product")}
    rows, problems, seen = [], [], {}
    for number, cells in table.rows:
        check = _Checker(number, dict(zip(names, cells, strict=True)))
        row = _check_sku_row(check, products, skus)
        problems += check.problems + _repeated(seen, row.code.lower(), number, "code", row.code)
        rows.append(row)
    if problems:
        raise ImportRejected(problems)
    return rows, set(names)


@transaction.atomic
def skus_import(*, table: Table, by=None, source: str = "") -> ImportResult:
    """Create or update a SKU per row, all or nothing; opening stock of new
    SKUs is received as a RECEIVED movement."""
    rows, columns = skus_import_check(table=table)
    result = ImportResult()
    receiver = by if by is not None else get_system_user()
    with acting_as(by) if by is not None else contextlib.nullcontext():
        for row in rows:
            sku = SKU.objects.select_for_update().get(pk=row.sku.pk) if row.sku else SKU()
            sku.product, sku.code, sku.price, sku.cost = row.product, row.code, row.price, row.cost
            for name in ("size", "flavour", "colour", "low_stock_threshold", "is_active"):
                if name in columns or row.sku is None:
                    setattr(sku, name, getattr(row, name))
            _save(sku, row.number)
            result.updated += row.sku is not None
            result.created += row.sku is None
            if row.opening_stock:
                stock_move(
                    sku=sku, kind=StockMovement.Kind.RECEIVED, quantity=row.opening_stock,
                    reason=f"Opening stock (import{f' of {source}' if source else ''})"[:255], by=receiver,
                )  # fmt: skip
                result.received += row.opening_stock
    _audit("inventory.skus_imported", "SKUs", result, by, source)
    return result


def _save(obj, number: int) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:  # a rule the row checks do not cover
        raise ImportRejected([ImportProblem(number, "", m) for m in exc.messages]) from exc
    obj.save()


def _audit(action: str, what: str, result: ImportResult, by, source: str) -> None:
    audit_record(
        action=action,
        summary=f"{what} imported{f' from {source}' if source else ''}: {result.created} new, {result.updated} updated",
        actor=by,
        data={"created": result.created, "updated": result.updated, "received": result.received, "source": source},
    )
