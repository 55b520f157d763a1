"""Admin reports: a small registry of read-only pages, each with a date-range
form, tables drawn from core.reports selectors, and CSV / XLSX export.

A report is a ``Report`` subclass registered with ``@register``; the site adds
one URL per report (``admin:reports_<slug>``) through ``report_urls``. Tables
marked ``paginate`` show a page at a time (a COUNT and a page query); exports
take every row. Either way the number of queries does not grow with the data."""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from unfold.widgets import INPUT_CLASSES, UnfoldAdminSelectWidget

from admin_site.reports_export import export_response
from core.common.money import format_money
from core.reports.periods import DateRange

PAGE_SIZE = 50
NUMERIC = ("int", "money", "decimal", "percent")
EXPORT_FORMATS = ("csv", "xlsx")
_REPORTS: dict[str, type["Report"]] = {}


def admin_link(url_name: str, query: dict | None = None, args: Iterable = ()) -> str | None:
    """The admin URL with a query string, or None when that admin page is not registered (yet)."""
    try:
        url = reverse(url_name, args=list(args))
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode(query)}" if query else url


def report_link(slug: str, **query) -> str | None:
    return admin_link(f"admin:reports_{slug}", {k: v for k, v in query.items() if v not in (None, "")})


def member_link(member_id) -> str | None:
    return admin_link("admin:members_member_change", args=[member_id]) if member_id else None


@dataclass
class Column:
    key: str
    title: str
    kind: str = "text"  # text, int, money, date, datetime, percent, decimal
    link: Callable[[dict], str | None] | None = None  # the cell's link, from the row


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: Iterable = ()  # dicts, or objects turned into dicts by ``row`` / ``rows_for``
    row: Callable[[object], dict] | None = None
    rows_for: Callable[[list], list[dict]] | None = None  # the same for a whole page at once (batch look-ups)
    paginate: bool = False
    count: int | None = None  # the rows' number when already known (saves the paginator's COUNT)
    empty: str = "Nothing in this period."
    footer: dict | None = None  # a totals row
    page: object = None  # set by the view when paginated
    cells: list = field(default_factory=list)  # (text, link, numeric) per cell, set by the view
    footer_cells: list | None = None

    def dict_rows(self, objects: Iterable) -> list[dict]:
        if self.rows_for:
            return self.rows_for(list(objects))
        return [self.row(obj) for obj in objects] if self.row else list(objects)


class DateInput(forms.DateInput):
    """The browser's date picker, styled like unfold's inputs (no admin calendar JavaScript needed)."""

    input_type = "date"

    def __init__(self):
        super().__init__(attrs={"class": " ".join(INPUT_CLASSES)}, format="%Y-%m-%d")


def date_input(label: str, required: bool = False) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput())


def choice_input(label: str, choices: list[tuple[str, str]]) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=choices, required=False, widget=UnfoldAdminSelectWidget)


class ReportForm(forms.Form):
    start = date_input("From")
    end = date_input("To (inclusive)")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end date is before the start date.")
        if start and end and (end - start).days > 3 * 366:
            self.add_error("start", "Choose at most three years.")
        return data


@dataclass
class ReportRequest:
    """What a report is asked for: the dates (None: open-ended), the form's
    other values, who asks and when, and the query string that repeats it."""

    start: datetime.date | None
    end: datetime.date | None
    values: dict
    user: object
    today: datetime.date
    now: datetime.datetime
    query: dict = field(default_factory=dict)

    @property
    def period(self) -> DateRange:
        """The dates as a range; an open end stops at today, an open start at the first of 2000."""
        return DateRange(self.start or datetime.date(2000, 1, 1), self.end or self.today)


class Report:
    slug = ""
    title = ""
    description = ""
    icon = "analytics"
    permissions: tuple[str, ...] = ()
    form_class = ReportForm
    dates_required = True  # False: an empty range means "all dates"

    @classmethod
    def allowed(cls, user) -> bool:
        return all(user.has_perm(perm) for perm in cls.permissions)

    def default_range(self, today: datetime.date) -> tuple[datetime.date | None, datetime.date | None]:
        return today - datetime.timedelta(days=29), today

    def shortcuts(self, today: datetime.date) -> list[tuple[str, dict]]:
        """Quick ranges shown as links: (label, query)."""
        return []

    def summary(self, req: ReportRequest) -> list[tuple[str, str]]:
        return []

    def tables(self, req: ReportRequest) -> list[Table]:
        raise NotImplementedError


def register(cls: type[Report]) -> type[Report]:
    _REPORTS[cls.slug] = cls
    return cls


def registered_reports() -> list[type[Report]]:
    _load()
    return list(_REPORTS.values())


def _load() -> None:
    # The report definitions register themselves when imported.
    from admin_site import reports_classes, reports_money, reports_people  # noqa: F401


def _request_for(report: Report, request, form: forms.Form) -> ReportRequest:
    today = timezone.localdate()
    start, end = report.default_range(today)
    values = {}
    if form.is_bound and form.is_valid():
        values = dict(form.cleaned_data)
        if report.dates_required:
            start, end = values.get("start") or start, values.get("end") or end
        else:
            start, end = values.get("start"), values.get("end")
    query = {
        name: value.isoformat() if isinstance(value, datetime.date) else str(value)
        for name, value in values.items()
        if value not in (None, "") and name not in ("start", "end")
    }
    query.update({"start": start.isoformat() if start else "", "end": end.isoformat() if end else ""})
    return ReportRequest(
        start=start, end=end, values=values, user=request.user, today=today, now=timezone.now(), query=query
    )


def show(value, kind: str = "text") -> str:
    """A cell as the page shows it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "money":
        return format_money(value)
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%d %b %Y %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%d %b %Y}"
    if kind == "int" and isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _css(kind: str) -> str:
    if kind in NUMERIC:
        return "text-right whitespace-nowrap"
    return "whitespace-nowrap" if kind in ("date", "datetime") else ""


def _cells(table: Table, row: dict) -> list[tuple[str, str | None, str]]:
    """(text, link, css classes) per cell: numbers align right, numbers and dates do not wrap."""
    return [
        (show(row.get(col.key), col.kind), col.link(row) if col.link and row is not table.footer else None,
         _css(col.kind))
        for col in table.columns
    ]  # fmt: skip


def _paginate(table: Table, request) -> None:
    if table.paginate:
        paginator = Paginator(table.rows, PAGE_SIZE)
        if table.count is not None:
            paginator.count = table.count
        table.page = paginator.get_page(request.GET.get(f"{table.key}_page"))
        table.rows = table.dict_rows(table.page.object_list)
    else:
        table.rows = table.dict_rows(table.rows)
    table.cells = [_cells(table, row) for row in table.rows]
    table.footer_cells = _cells(table, table.footer) if table.footer else None


def report_view(site, request, slug: str):
    report_class = _REPORTS.get(slug)
    if report_class is None or not report_class.allowed(request.user):
        raise PermissionDenied
    report = report_class()
    form = report.form_class(request.GET or None)
    req = _request_for(report, request, form)
    tables = report.tables(req)
    export = request.GET.get("format")
    if export in EXPORT_FORMATS:
        for table in tables:
            table.rows = table.dict_rows(table.rows)
        return export_response(report, req, tables, export)
    for table in tables:
        _paginate(table, request)
    if not form.is_bound:
        form = report.form_class(initial={k: v for k, v in req.query.items() if v})
    context = {
        **site.each_context(request),
        "title": report.title,
        "report": report,
        "form": form,
        "tables": tables,
        "summary": report.summary(req),
        "req": req,
        "shortcuts": [(label, urlencode(query)) for label, query in report.shortcuts(req.today)],
        "export_query": {fmt: urlencode({**req.query, "format": fmt}) for fmt in EXPORT_FORMATS},
        "page_query": urlencode(req.query),
        "numeric_kinds": NUMERIC,
    }
    return TemplateResponse(request, "admin_site/reports/report.html", context)


def reports_index(site, request):
    reports = [cls for cls in registered_reports() if cls.allowed(request.user)]
    if not reports:
        raise PermissionDenied
    context = {
        **site.each_context(request),
        "title": "Reports",
        "reports": [(cls, reverse(f"admin:reports_{cls.slug}")) for cls in reports],
    }
    return TemplateResponse(request, "admin_site/reports/index.html", context)


def report_urls(site) -> list:
    urls = [path("reports/", site.admin_view(lambda request: reports_index(site, request)), name="reports_index")]
    for cls in registered_reports():
        view = site.admin_view(lambda request, slug=cls.slug: report_view(site, request, slug))
        urls.append(path(f"reports/{cls.slug}/", view, name=f"reports_{cls.slug}"))
    return urls
