"""django-import-export plumbing shared by GymOS imports and exports.

import-export saves row by row and skips or keeps rows on its own; GymOS
imports instead hand the whole file to a core service that checks every
row, then writes all rows or none. ``ServiceImport`` adapts such a service
to import-export's dry run (the preview) and confirm steps, and
``ServiceImportExportMixin`` gives a ModelAdmin the unfold-styled pages.
"""

from collections import defaultdict

import tablib
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats
from import_export.results import Error, InvalidRow, Result, RowResult
from unfold.contrib.import_export.forms import ImportForm, SelectableFieldsExportForm

from core.common.services import audit_record
from core.common.tabular import NO_ROWS, ImportProblem, ImportRejected, Table, cell_text, check_columns, read_table

SHOWN_ROWS = 100  # rows of a preview or error report rendered on the page
_FORMULA_STARTS = ("=", "+", "-", "@")


def safe_cell(value: str) -> str:
    """Free text for a spreadsheet cell: a leading = + - @ would run as a
    formula in Excel (CSV injection), so it gets a ' in front."""
    value = value or ""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def table_dataset(table: Table) -> tablib.Dataset:
    dataset = tablib.Dataset(*[cells for _, cells in table.rows], headers=table.headers)
    # The spreadsheet's own row numbers, for "Row 7: ..." (blank rows were skipped).
    dataset.gym_row_numbers = [number for number, _ in table.rows]
    return dataset


def dataset_table(dataset: tablib.Dataset) -> Table:
    numbers = getattr(dataset, "gym_row_numbers", None) or range(2, len(dataset) + 2)
    rows = [(number, [cell_text(v) for v in values]) for number, values in zip(numbers, dataset, strict=False)]
    return Table(headers=[cell_text(h) for h in dataset.headers or []], rows=rows)


class TableFormat(base_formats.TablibFormat):
    """CSV or XLSX read with core.common.tabular: encoding, size and column
    names are checked before any row, each with a message staff can act on."""

    file_format = "csv"
    resource_class = None

    def is_binary(self) -> bool:
        return True  # the upload reaches us as bytes, so a wrong encoding can be named

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream, **kwargs) -> tablib.Dataset:
        table = read_table(in_stream, file_format=self.file_format, max_rows=self.resource_class.max_rows())
        check_columns(table.headers, required=self.resource_class.required, optional=self.resource_class.optional)
        return table_dataset(table)


def table_formats(resource_class) -> list[type[TableFormat]]:
    return [
        type(
            f"{resource_class.__name__}{name.upper()}",
            (TableFormat,),
            {
                "TABLIB_MODULE": f"tablib.formats._{name}",
                "CONTENT_TYPE": content_type,
                "file_format": name,
                "resource_class": resource_class,
            },
        )  # fmt: skip
        for name, content_type in (("csv", base_formats.CSV.CONTENT_TYPE), ("xlsx", base_formats.XLSX.CONTENT_TYPE))
    ]


class FileProblem(Exception):
    """A problem with the whole file, shown as text (no traceback)."""


class PlainError(Error):
    @property
    def traceback(self) -> str:
        return ""


class ServiceImport:
    """Mixed into a Resource: ``import_data`` runs ``check`` (dry run) or
    ``run`` (confirmed) from a core service and reports in import-export's
    Result, so the unfold preview and error pages show it."""

    required: tuple = ()
    optional: tuple = ()

    @classmethod
    def max_rows(cls) -> int:
        raise NotImplementedError

    def check(self, table: Table, **kwargs) -> list:
        """Rows ready to write (each with ``number``); raises ImportRejected."""
        raise NotImplementedError

    def run(self, table: Table, **kwargs) -> tuple[int, int, str]:
        """Write; returns (created, updated, summary); raises ImportRejected."""
        raise NotImplementedError

    def preview(self, row) -> tuple[str, list]:
        """(import type, values in ``columns()`` order) for a checked row."""
        raise NotImplementedError

    @classmethod
    def get_display_name(cls) -> str:
        return getattr(cls._meta, "name", None) or cls.__name__

    @classmethod
    def columns(cls) -> list[str]:
        return list(cls.required) + list(cls.optional)

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs) -> Result:
        table = dataset_table(dataset)
        result = self.get_result_class()()
        result.diff_headers = self.columns()
        result.total_rows = len(table)
        result.gym_notes = []
        try:
            if dry_run:
                rows = self.check(table, **kwargs)
                result.gym_notes.extend(getattr(self, "notes", []))
                self._report_preview(result, rows)
            else:
                created, updated, summary = self.run(table, **kwargs)
                result.totals[RowResult.IMPORT_TYPE_NEW] = created
                result.totals[RowResult.IMPORT_TYPE_UPDATE] = updated
                result.gym_summary = summary
        except ImportRejected as exc:
            if raise_errors:
                raise
            self._report_problems(result, table, exc.problems)
        return result

    def _report_preview(self, result: Result, rows: list) -> None:
        for i, row in enumerate(rows):
            import_type, values = self.preview(row)
            result.totals[import_type] += 1
            if i < SHOWN_ROWS:
                row_result = RowResult()
                row_result.import_type = import_type
                row_result.diff = values
                result.append_row_result(row_result)
        if len(rows) > SHOWN_ROWS:
            result.gym_notes.append(f"The preview shows the first {SHOWN_ROWS} of {len(rows):,} rows.")

    def _report_problems(self, result: Result, table: Table, problems: list[ImportProblem]) -> None:
        by_row: dict[int, list[ImportProblem]] = defaultdict(list)
        for problem in problems:
            if problem.row is None:
                result.append_base_error(PlainError(FileProblem(problem.message)))
            else:
                by_row[problem.row].append(problem)
        try:
            names = check_columns(table.headers, required=self.required, optional=self.optional)
        except ValidationError:
            names = self.columns()
        cells = {number: dict(zip(names, values, strict=False)) for number, values in table.rows}
        for number in sorted(by_row)[:SHOWN_ROWS]:
            errors: dict[str, list[str]] = defaultdict(list)
            for problem in by_row[number]:
                errors[problem.column or "row"].append(problem.message)
            values = tuple(cells.get(number, {}).get(column, "") for column in self.columns())
            result.invalid_rows.append(
                InvalidRow(number=number, validation_error=ValidationError(errors), values=values)
            )
        result.totals[RowResult.IMPORT_TYPE_INVALID] = len(by_row)
        result.gym_problems = problems
        if len(by_row) > SHOWN_ROWS:
            result.gym_notes.append(
                f"{len(by_row):,} rows have problems; the first {SHOWN_ROWS} are shown. Nothing was imported."
            )


class ServiceImportExportMixin(ImportExportModelAdmin):
    """Import and export pages (unfold-styled) for an admin whose imports run
    through a core service. Mix in before the ModelAdmin base:
    ``class PlanAdmin(PlanImportExportMixin, GymModelAdmin)``."""

    import_form_class = ImportForm
    export_form_class = SelectableFieldsExportForm
    import_resource_class = None
    export_resource_class = None
    export_formats = [base_formats.CSV, base_formats.XLSX]
    import_error_display = ("message",)
    export_audit_action = ""  # e.g. "members.exported": personal data leaving GymOS is recorded

    @property
    def import_formats(self):
        return table_formats(self.import_resource_class)

    def get_import_resource_classes(self, request):
        return [self.import_resource_class]

    def get_export_resource_classes(self, request):
        return [self.export_resource_class]

    def create_import_form(self, request):
        form = super().create_import_form(request)
        form.fields["import_file"].error_messages["empty"] = NO_ROWS
        return form

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ValidationError):
            for message in e.messages:
                form.add_error("import_file", message)
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        result = response.context_data.get("result") if isinstance(response, TemplateResponse) else None
        if result is not None:
            for note in getattr(result, "gym_notes", []):
                messages.warning(request, note)
            if not (result.has_errors() or result.has_validation_errors()):
                messages.info(request, "Nothing has been written yet: check the preview, then confirm the import.")
        return response

    def process_result(self, result, request):
        problems = getattr(result, "gym_problems", None)
        if problems:
            # The data changed between the preview and the confirmation.
            for problem in problems[:20]:
                messages.error(request, str(problem))
            messages.error(request, "Nothing was imported; correct the file and import it again.")
            info = self.get_model_info()
            return HttpResponseRedirect(reverse(f"admin:{info[0]}_{info[1]}_import", current_app=self.admin_site.name))
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        summary = getattr(result, "gym_summary", "")
        if summary:
            messages.success(request, summary)
        else:
            super().add_success_message(result, request)

    def get_data_for_export(self, request, queryset, **kwargs):
        dataset = super().get_data_for_export(request, queryset, **kwargs)
        if self.export_audit_action:
            name = self.model._meta.verbose_name_plural
            audit_record(
                action=self.export_audit_action,
                summary=f"{len(dataset)} {name} exported",
                actor=request.user,
                data={"rows": len(dataset), "columns": list(dataset.headers or [])},
            )
        return dataset
