"""The audit log: every change kept by simple-history across the domain,
merged in time order with the business events (AuditEvent: logins, failed
logins, purges, payments, refunds, exports...).

One UNION ALL query over the history tables and AuditEvent picks a page of
rows (filtered by date range first, newest first). Only for the rows shown are
the previous versions of their objects fetched, with the people, in a second
UNION query (as JSON, one part per model on the page), to work out which
fields changed from what to what: two queries whatever the page holds."""

import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import CharField, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime, parse_time

from core.common.models import AuditEvent

EVENTS = "events"
# Never shown, whatever a history table holds: secrets and bookkeeping noise.
ALWAYS_HIDDEN = {"password", "comm_password", "last_login", "updated_at"}
_SECRET_WORDS = ("password_hash", "secret", "token", "api_key")
# Fields that say what a row is, in order of preference.
_LABEL_FIELDS = ("number", "receipt_number", "code", "email", "title", "name", "bkash_payment_id")
_TEXT_LIMIT = 120
COLUMNS = ("log_source", "log_row", "log_at", "log_who", "log_kind", "log_object", "log_text", "log_type")
DETAIL_COLUMNS = ("d_source", "d_key", "d_prev", "d_data")
_PEOPLE = "people"  # the details query's rows for users (not a history source label)


def history_sources() -> dict[str, type[models.Model]]:
    """{"app_label.model": its history model} for every model keeping history."""
    sources = {}
    for model in apps.get_models():
        manager = getattr(model._meta, "simple_history_manager_attribute", None)
        if manager:
            sources[model._meta.label_lower] = getattr(model, manager).model
    return dict(sorted(sources.items()))


@dataclass
class AuditFilters:
    since: datetime.datetime
    until: datetime.datetime
    user_id: int | None = None
    source: str | None = None  # a history source label, or EVENTS for business events only
    object_id: str | None = None
    action: str | None = None  # business events: this action, or the family when it ends with "."


def _columns(queryset: QuerySet, *, source, row, at, who, kind, obj, text, obj_type) -> QuerySet:
    # The same aliases, annotated in the same order, so every part of the UNION lines up.
    annotated = queryset.order_by().annotate(
        log_source=source, log_row=row, log_at=at, log_who=who, log_kind=kind,
        log_object=obj, log_text=text, log_type=obj_type,
    )  # fmt: skip
    return annotated.values(*COLUMNS)


def _history_part(label: str, history: type[models.Model], filters: AuditFilters) -> QuerySet | None:
    rows = history.objects.filter(history_date__gte=filters.since, history_date__lt=filters.until)
    if filters.user_id is not None:
        rows = rows.filter(history_user_id=filters.user_id)
    if filters.object_id:
        pk_field = history._meta.get_field("id")
        try:
            rows = rows.filter(id=pk_field.to_python(filters.object_id))
        except ValidationError:  # an id this table cannot hold matches nothing in it
            return None
    return _columns(
        rows, source=Value(label), row=F("history_id"), at=F("history_date"), who=F("history_user_id"),
        kind=F("history_type"), obj=Cast("id", CharField()),
        text=Cast("history_change_reason", CharField()), obj_type=Value(label),
    )  # fmt: skip


def _events_part(filters: AuditFilters, label: str | None) -> QuerySet:
    rows = AuditEvent.objects.filter(at__gte=filters.since, at__lt=filters.until)
    if filters.user_id is not None:
        rows = rows.filter(actor_id=filters.user_id)
    if filters.object_id:
        rows = rows.filter(object_id=filters.object_id)
    if filters.action:
        # "payment." is a family of actions; "login" is exactly that one.
        if filters.action.endswith("."):
            rows = rows.filter(action__startswith=filters.action)
        else:
            rows = rows.filter(action=filters.action)
    if label:
        app_label, model_name = label.split(".")
        rows = rows.filter(object_type__iexact=f"{app_label}.{model_name}")
    return _columns(
        rows, source=Value(EVENTS), row=F("pk"), at=F("at"), who=F("actor_id"), kind=F("action"),
        obj=F("object_id"), text=F("summary"), obj_type=F("object_type"),
    )  # fmt: skip


def audit_rows(filters: AuditFilters, *, offset: int = 0, limit: int = 50) -> tuple[list[dict], bool]:
    """A page of the merged log, newest first, and whether there is a next page. One query."""
    sources = history_sources()
    parts = []
    if filters.source != EVENTS and not filters.action:
        chosen = {filters.source: sources[filters.source]} if filters.source in sources else sources
        parts += [p for label, history in chosen.items() if (p := _history_part(label, history, filters)) is not None]
    if filters.source in (None, "", EVENTS) or filters.source in sources:
        parts.append(_events_part(filters, filters.source if filters.source in sources else None))
    if not parts:
        return [], False
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    rows = list(union.order_by("-log_at", "-log_row")[offset : offset + limit + 1])
    return rows[:limit], len(rows) > limit


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class AuditEntry:
    at: datetime.datetime
    who_id: int | None
    kind: str  # "+", "~", "-" for changes; the action for events
    source: str  # history source label or EVENTS
    object_type: str
    object_id: str
    label: str = ""
    summary: str = ""
    changes: list[Change] = field(default_factory=list)
    note: str = ""
    who: object = None

    @property
    def is_event(self) -> bool:
        return self.source == EVENTS


def _hidden(name: str, hidden: set[str]) -> bool:
    return name in ALWAYS_HIDDEN or name in hidden or any(word in name for word in _SECRET_WORDS)


def show_value(model_field: models.Field, value) -> str:
    """A field value as an admin reads it: choice labels, yes/no, local times, ids of related rows."""
    if value is None or value == "":
        return "—"
    if model_field.choices:
        value = dict(model_field.flatchoices).get(value, value)
    if isinstance(model_field, models.ForeignKey):
        return f"{model_field.related_model._meta.verbose_name} #{value}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%d %b %Y %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%d %b %Y}"
    text = str(value)
    return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 1] + "…"


def _label(record) -> str:
    for name in _LABEL_FIELDS:
        value = getattr(record, name, None)
        if value:
            return str(value)
    return ""


def _diff(history: type[models.Model], record, previous, hidden: set[str]) -> list[Change]:
    changes = []
    for model_field in history.tracked_fields:
        name = model_field.attname
        if _hidden(model_field.name, hidden) or _hidden(name, hidden):
            continue
        after = getattr(record, name)
        if previous is None:
            if record.history_type == "+" and after not in (None, "") and model_field.name not in ("id", "created_at"):
                changes.append(Change(model_field.verbose_name, "", show_value(model_field, after)))
            continue
        before = getattr(previous, name)
        if before != after:
            changes.append(
                Change(str(model_field.verbose_name), show_value(model_field, before), show_value(model_field, after))
            )
    return changes


def _previous(history: type[models.Model]) -> Subquery:
    """The history_id of the same object's version before the outer row."""
    earlier = Q(history_date__lt=OuterRef("history_date")) | Q(
        history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id")
    )
    rows = history.objects.filter(id=OuterRef("id")).filter(earlier).order_by("-history_date", "-history_id")
    return Subquery(rows.values("history_id")[:1])


def _as_json(field: models.Field):
    # Decimals as text keep their places ("3000.00"); JSON numbers would not.
    return Cast(field.attname, CharField()) if isinstance(field, models.DecimalField) else F(field.attname)


def _from_json(field: models.Field, value):
    """A value read back from JSONObject as the ORM would have given it (SQLite and PostgreSQL)."""
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        value = parse_datetime(value)
        return value if timezone.is_aware(value) else timezone.make_aware(value, datetime.UTC)
    if isinstance(field, models.DateField):
        return parse_date(value)
    if isinstance(field, models.TimeField):
        return parse_time(value)
    if isinstance(field, models.DecimalField):
        return Decimal(value)
    if isinstance(field, models.BooleanField):
        return bool(value)
    return value


def _shown_fields(history: type[models.Model]) -> list[models.Field]:
    return [f for f in history.tracked_fields if not _hidden(f.name, set()) and not _hidden(f.attname, set())]


def _details_part(label: str, history: type[models.Model], ids: list[int]) -> QuerySet:
    """The shown rows of one history model and the previous version of each, as JSON."""
    previous = _previous(history)
    shown = history.objects.filter(history_id__in=ids)
    wanted = Q(history_id__in=ids) | Q(history_id__in=shown.annotate(prev=previous).values("prev"))
    data = JSONObject(history_type=F("history_type"), **{f.attname: _as_json(f) for f in _shown_fields(history)})
    rows = history.objects.filter(wanted).order_by()
    return rows.annotate(d_source=Value(label), d_key=F("history_id"), d_prev=previous, d_data=data).values(
        *DETAIL_COLUMNS
    )


def _people_part(ids: set[int]) -> QuerySet:
    from core.accounts.models import User

    data = JSONObject(email=F("email"), first_name=F("first_name"), last_name=F("last_name"))
    prev = Value(None, output_field=models.BigIntegerField())
    rows = User.objects.filter(pk__in=ids).order_by()
    return rows.annotate(d_source=Value(_PEOPLE), d_key=F("pk"), d_prev=prev, d_data=data).values(*DETAIL_COLUMNS)


def _details(rows: list[dict]) -> tuple[dict[str, dict[int, object]], dict[int, object]]:
    """The history records on the page with their previous versions (by source, then history_id)
    and the people, in one UNION query whatever the mix of models on the page."""
    from core.accounts.models import User

    sources = history_sources()
    by_source: dict[str, list[int]] = {}
    for row in rows:
        if row["log_source"] != EVENTS:
            by_source.setdefault(row["log_source"], []).append(row["log_row"])
    people_ids = {row["log_who"] for row in rows if row["log_who"]}
    parts = [_details_part(label, sources[label], ids) for label, ids in by_source.items()]
    if people_ids:
        parts.append(_people_part(people_ids))
    records: dict[str, dict[int, object]] = {label: {} for label in by_source}
    people = {}
    if not parts:
        return records, people
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    for row in union:
        data = row["d_data"] if isinstance(row["d_data"], dict) else json.loads(row["d_data"])
        if row["d_source"] == _PEOPLE:
            people[row["d_key"]] = User.from_db(
                None, ["id", "email", "first_name", "last_name"],
                [row["d_key"], data["email"], data["first_name"], data["last_name"]],
            )  # fmt: skip
            continue
        history = sources[row["d_source"]]
        values = {f.attname: _from_json(f, data.get(f.attname)) for f in _shown_fields(history)}
        records[row["d_source"]][row["d_key"]] = SimpleNamespace(
            history_id=row["d_key"], prev_id=row["d_prev"], history_type=data["history_type"], **values
        )
    return records, people


def audit_entries(rows: list[dict], *, hidden_fields: dict[str, set[str]] | None = None) -> list[AuditEntry]:
    """Turn a page of ``audit_rows`` into entries with field diffs: one query for
    the page's people and history records, however many models the page shows."""
    hidden_fields = hidden_fields or {}
    sources = history_sources()
    records, people = _details(rows)
    entries = []
    for row in rows:
        entry = AuditEntry(
            at=row["log_at"], who_id=row["log_who"], who=people.get(row["log_who"]), kind=row["log_kind"],
            source=row["log_source"], object_type=row["log_type"] or "", object_id=row["log_object"] or "",
            summary=row["log_text"] or "",
        )  # fmt: skip
        if not entry.is_event:
            history = sources[entry.source]
            record = records[entry.source].get(row["log_row"])
            if record is not None:
                previous = records[entry.source].get(record.prev_id) if record.prev_id else None
                entry.label = _label(record)
                if record.history_type == "~" or (record.history_type == "+" and previous is None):
                    entry.changes = _diff(history, record, previous, hidden_fields.get(entry.source, set()))
                if record.history_type == "~" and previous is None:
                    entry.note = "The earlier version is not kept, so the changed fields are unknown."
                elif record.history_type == "~" and not entry.changes:
                    entry.note = (
                        "Saved with no change to the fields kept in history (e.g. a login time or related items)."
                    )
        entries.append(entry)
    return entries
