"""The audit log page (every change from the history tables merged with the
business events) and the read-only AuditEvent admin.

Nothing here writes: the log can be read and filtered, never edited or
deleted from the admin. Who may read it: holders of common.view_auditevent
(admins by their role)."""

import datetime

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import capfirst
from unfold.admin import ModelAdmin
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from admin_site.reports import ReportForm, admin_link
from core.accounts.models import User
from core.common.models import AuditEvent
from core.reports.audit import EVENTS, AuditFilters, audit_entries, audit_rows, history_sources
from core.reports.periods import DateRange

PER_PAGE = 50
DEFAULT_DAYS = 7
PERMISSION = "common.view_auditevent"
# Shown to admins only, even to others allowed to read the log (DESIGN.md: admins only).
ADMIN_ONLY_FIELDS = {"staff.trainer": {"hourly_rate"}}
EVENT_ACTIONS = [
    ("", "All"),
    ("login", "Logins"),
    ("login.failed", "Failed logins"),
    ("member.", "Members: created, deleted, restored, purged"),
    ("member.purged", "Purges"),
    ("payment.", "Payments and refunds"),
    ("payment.refunded", "Refunds"),
    ("invoice.", "Invoices"),
    ("report.exported", "Report exports"),
    ("staff.", "Staff accounts"),
    ("bkash.", "bKash"),
    ("lead.", "Leads"),
    ("inventory.", "Stock"),
]
KINDS = {"+": "Created", "~": "Changed", "-": "Deleted"}


class AuditLogForm(ReportForm):
    user = forms.CharField(
        label="Who", required=False, max_length=254, widget=UnfoldAdminTextInputWidget,
        help_text="Email or user id.",
    )  # fmt: skip
    source = forms.ChoiceField(label="What", required=False, widget=UnfoldAdminSelectWidget)
    object_id = forms.CharField(label="Object id", required=False, max_length=64, widget=UnfoldAdminTextInputWidget)
    action = forms.ChoiceField(label="Event", required=False, choices=EVENT_ACTIONS, widget=UnfoldAdminSelectWidget)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        sources = history_sources()
        self.fields["source"].choices = [
            ("", "Everything"),
            (EVENTS, "Business events only (logins, payments, purges, exports…)"),
            *sorted(
                ((label, f"{capfirst(model.instance_type._meta.verbose_name)} ({label})")
                 for label, model in sources.items()),
                key=lambda choice: choice[1],
            ),
        ]  # fmt: skip


def _user_id(text: str) -> int | None:
    """The id for "Who": a number is an id, anything else an email. -1 (nobody) when unknown."""
    text = (text or "").strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    return User.objects.filter(email__iexact=text).values_list("pk", flat=True).first() or -1


def _object_link(entry) -> str | None:
    if entry.kind == "-" or not entry.object_id:
        return None
    app_label, _, model_name = entry.object_type.lower().partition(".")
    return admin_link(f"admin:{app_label}_{model_name}_change", args=[entry.object_id]) if model_name else None


def _what(entry, sources) -> str:
    if entry.is_event:
        return entry.kind
    model = sources[entry.source].instance_type
    return f"{KINDS.get(entry.kind, entry.kind)} {model._meta.verbose_name}"


def audit_log_view(site, request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    form = AuditLogForm(request.GET or None)
    today = timezone.localdate()
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    start = data.get("start") or today - datetime.timedelta(days=DEFAULT_DAYS - 1)
    end = data.get("end") or today
    period = DateRange(start, end)
    filters = AuditFilters(
        since=period.since, until=period.until, user_id=_user_id(data.get("user", "")),
        source=data.get("source") or None, object_id=(data.get("object_id") or "").strip() or None,
        action=data.get("action") or None,
    )  # fmt: skip
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    rows, has_next = audit_rows(filters, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
    hidden = {} if request.user.is_admin else ADMIN_ONLY_FIELDS
    entries = audit_entries(rows, hidden_fields=hidden)
    sources = history_sources()
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    query.update({"start": start.isoformat(), "end": end.isoformat()})
    if not form.is_bound:
        form = AuditLogForm(initial={"start": start, "end": end})
    context = {
        **site.each_context(request),
        "title": "Audit log",
        "form": form,
        "period": period,
        "entries": [
            {
                "entry": entry,
                "what": _what(entry, sources),
                "object_link": _object_link(entry),
                "who_query": urlencode({**query, "user": entry.who_id}) if entry.who_id else "",
            }
            for entry in entries
        ],
        "page": page,
        "previous_query": urlencode({**query, "page": page - 1}) if page > 1 else "",
        "next_query": urlencode({**query, "page": page + 1}) if has_next else "",
    }
    return TemplateResponse(request, "admin_site/audit/log.html", context)


def audit_urls(site) -> list:
    return [path("audit-log/", site.admin_view(lambda request: audit_log_view(site, request)), name="audit_log")]


@admin.register(AuditEvent)
class AuditEventAdmin(ModelAdmin):
    """Business events, read-only: nobody adds, edits or deletes them from the admin."""

    list_display = ["at", "action", "actor", "summary", "object_type", "object_id"]
    list_filter = ["action", ("at", admin.DateFieldListFilter)]
    search_fields = ["summary", "object_id", "actor__email"]
    list_select_related = ["actor"]
    list_per_page = 50
    show_full_result_count = False
    readonly_fields = ["at", "actor", "action", "object_type", "object_id", "summary", "data"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
