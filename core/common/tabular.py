"""Reading an uploaded spreadsheet (CSV or XLSX) into rows of text, with the
checks every import needs before its own: encoding, empty file, row limit,
column names.

Encoding: CSV files must be UTF-8 (with or without the BOM Excel writes).
Any other encoding is refused with a message saying how to save the file as
UTF-8, never guessed: Latin-1, Windows-1252 and other one-byte encodings
cannot be told apart by their bytes, and a wrong guess would quietly write
garbled names into thousands of accounts. UTF-16 ("Unicode text") is refused
too, naming it, because Excel writes it tab-separated as a different format.
"""

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError

NO_ROWS = "The file has no rows: put the column names in the first row and one record per row below it."
SAVE_AS_UTF8 = (
    "In Excel use File › Save As › “CSV UTF-8 (Comma delimited)”; in LibreOffice tick “Edit filter settings” "
    "and choose “Unicode (UTF-8)”."
)
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old binary .xls


@dataclass
class ImportProblem:
    row: int | None  # None: the problem is with the whole file
    column: str
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}: {self.message}" if self.row else self.message


class ImportRejected(ValidationError):
    """Every problem found in an import file; nothing was written."""

    def __init__(self, problems: list[ImportProblem]):
        self.problems = problems
        super().__init__([str(p) for p in problems])


def file_problem(message: str) -> ImportRejected:
    return ImportRejected([ImportProblem(None, "", message)])


def parse_date(text: str) -> datetime.date:
    """YYYY-MM-DD or DD/MM/YYYY (also D/M/YYYY and DD-MM-YYYY); ValueError otherwise."""
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        year, month, day = m.groups()
    elif m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text):
        day, month, year = m.groups()
    else:
        raise ValueError(text)
    return datetime.date(int(year), int(month), int(day))


def parse_yes_no(text: str) -> bool:
    """yes/no, y/n, true/false, 1/0, x; empty is no."""
    value = text.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError(text)


@dataclass
class Table:
    """Column names as written in the file, and the non-blank rows as text,
    each with the row number a spreadsheet program shows for it."""

    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


def too_many_rows(max_rows: int) -> str:
    return (
        f"The file has more than {max_rows:,} rows; at most {max_rows:,} can be imported at a time. "
        f"Split it into files of up to {max_rows:,} rows, each starting with the same header row, "
        "and import them one after another."
    )


def cell_text(value) -> str:
    """A cell as text: whole numbers without “.0”, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    return str(value).strip()


def read_table(data: bytes, *, file_format: str, max_rows: int) -> Table:
    """Parse ``data`` (``file_format`` "csv" or "xlsx"). Raises ValidationError
    with a message a person can act on; stops reading once ``max_rows`` is passed."""
    if not data or not data.strip():
        raise ValidationError(NO_ROWS)
    if file_format == "csv":
        records = _csv_records(_decode_csv(data))
    elif file_format == "xlsx":
        records = _xlsx_records(data)
    else:
        raise ValueError(f"Unknown file format {file_format!r}")
    return _collect(records, max_rows)


def _collect(records: Iterator[tuple[int, list[str]]], max_rows: int) -> Table:
    table = None
    for number, cells in records:
        while cells and cells[-1] == "":
            cells.pop()
        if not cells:
            continue  # blank lines are common at the end of exported sheets
        if table is None:
            table = Table(headers=cells)
            continue
        if len(cells) > len(table.headers):
            raise ValidationError(
                f"Row {number} has values to the right of the last named column; "
                "every column needs a name in the first row."
            )
        if len(table.rows) == max_rows:
            raise ValidationError(too_many_rows(max_rows))
        table.rows.append((number, cells + [""] * (len(table.headers) - len(cells))))
    if table is None or not table.rows:
        raise ValidationError(NO_ROWS)
    return table


def _decode_csv(data: bytes) -> str:
    if data.startswith(_ZIP_MAGIC):
        raise ValidationError("This is an Excel workbook (.xlsx), not a CSV file: choose the xlsx format.")
    if data.startswith(_OLE_MAGIC):
        raise ValidationError(
            "This is an old Excel workbook (.xls), which cannot be imported: save it as .xlsx or as CSV UTF-8."
        )
    if data.startswith(_UTF16_BOMS) or b"\x00" in data[:4096]:
        raise ValidationError(f"The file is saved as UTF-16 (“Unicode text”); save it as CSV UTF-8. {SAVE_AS_UTF8}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ValidationError(
            f"The file is not UTF-8 text (byte 0x{data[exc.start]:02X} on line {line} is not UTF-8; it was probably "
            f"saved as Latin-1 or Windows-1252). Save it as CSV UTF-8 and import it again. {SAVE_AS_UTF8}"
        ) from exc


def _delimiter(text: str) -> str:
    # Excel writes ";" in locales whose decimal mark is ",", and some tools write tabs.
    first_line = text.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    number = 0
    try:
        for number, record in enumerate(reader, start=1):  # noqa: B007 - used after the loop on error
            yield number, [cell.strip() for cell in record]
    except csv.Error as exc:
        raise ValidationError(f"Row {number + 1} could not be read as CSV ({exc}).") from exc


def _xlsx_records(data: bytes) -> Iterator[tuple[int, list[str]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise ValidationError(
            "The file is not an Excel workbook (.xlsx). Choose the csv format for CSV files, "
            "or save the sheet as .xlsx in Excel or LibreOffice."
        ) from exc
    try:
        # The first sheet is the one imported; read lazily so a huge sheet
        # is refused after max_rows rows, not after reading all of it.
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [cell_text(value) for value in values]
    finally:
        book.close()


def normalize_header(name: str) -> str:
    """“First Name”, “first-name” and “ first_name ” all mean first_name."""
    return re.sub(r"[\s\-]+", "_", (name or "").strip().lower())


def check_columns(headers: list[str], *, required: Iterable[str], optional: Iterable[str] = ()) -> list[str]:
    """Return the column names normalised, or raise one ValidationError that
    names every missing, unknown or repeated column."""
    required, optional = list(required), list(optional)
    names = [normalize_header(h) for h in headers]
    known = set(required) | set(optional)
    problems = []
    missing = [c for c in required if c not in names]
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    unknown = [
        f"“{h}”" if n else f"a column with no name (column {i})"
        for i, (h, n) in enumerate(zip(headers, names, strict=True), start=1)
        if n not in known
    ]
    if unknown:
        problems.append(f"unknown {', '.join(unknown)}")
    repeated = sorted({n for n in names if n in known and names.count(n) > 1})
    if repeated:
        problems.append(f"repeated {', '.join(repeated)}")
    if problems:
        expected = ", ".join(required)
        if optional:
            expected += f" (required) and {', '.join(optional)} (optional)"
        raise ValidationError(
            f"The columns do not match: {'; '.join(problems)}. The first row must name the columns: {expected}."
        )
    return names
