"""CSV and XLSX downloads of a report. Every export writes an AuditEvent
("report.exported"): reports carry members' contact details and money.

CSV holds the tables one after another (title row, header row, rows, a blank
line); XLSX has one sheet per table. Text that a spreadsheet would run as a
formula gets a leading apostrophe in both."""

import csv
import datetime
import io
import re
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from admin_site.resources.base import safe_cell
from core.common.services import audit_record

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def cell_value(value, kind: str):
    """A value as a spreadsheet cell: numbers stay numbers, times are local and naive, text is made safe."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal | datetime.date):
        return value
    return safe_cell(str(value))


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _filename(report, req, extension: str) -> str:
    if not (req.start or req.end):
        return f"{report.slug}_{req.today.isoformat()}.{extension}"
    start = req.start.isoformat() if req.start else "start"
    end = req.end.isoformat() if req.end else req.today.isoformat()
    return f"{report.slug}_{start}_{end}.{extension}"


def _rows(table) -> list[list]:
    rows = [[cell_value(row.get(col.key), col.kind) for col in table.columns] for row in table.rows]
    if table.footer:
        rows.append([cell_value(table.footer.get(col.key), col.kind) for col in table.columns])
    return rows


def _csv(tables) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for index, table in enumerate(tables):
        if index:
            writer.writerow([])
        writer.writerow([table.title])
        writer.writerow([col.title for col in table.columns])
        for row in _rows(table):
            writer.writerow([_csv_text(value) for value in row])
    # A BOM, so Excel opens the UTF-8 file with the right characters (৳, names).
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _sheet_title(title: str, used: set[str]) -> str:
    base = _SHEET_UNSAFE.sub(" ", title)[:31] or "Sheet"
    name, n = base, 2
    while name in used:
        name = f"{base[:28]} {n}"
        n += 1
    used.add(name)
    return name


def _xlsx(tables) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table.title, used))
        sheet.append([col.title for col in table.columns])
        for row in _rows(table):
            sheet.append(row)
        for index, col in enumerate(table.columns, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(12, min(40, len(col.title) + 4))
            number_format = {"money": "#,##0.00", "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}.get(col.kind)
            if number_format:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = number_format
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_response(report, req, tables, export_format: str) -> HttpResponse:
    if export_format == "xlsx":
        body, content_type = _xlsx(tables), XLSX_TYPE
    else:
        body, content_type = _csv(tables), "text/csv; charset=utf-8"
    filename = _filename(report, req, export_format)
    audit_record(
        action="report.exported",
        summary=f"{report.title} exported as {export_format.upper()} ({filename})",
        actor=req.user,
        data={
            "report": report.slug,
            "format": export_format,
            "query": {k: v for k, v in req.query.items() if v},
            "rows": sum(len(table.rows) for table in tables),
        },
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
