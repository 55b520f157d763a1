"""COPY helper for the bench data generator: rows go straight into PostgreSQL.

Only the columns a caller names are given per row; every other concrete
column gets the model field's default (computed once), "" for blank text,
NULL for nullable fields and "now" for auto_now(_add) timestamps. Ids are
given by the caller (the generator numbers rows itself so it can link them
without reading back), and ``fix_sequences`` moves each table's sequence past
the largest id afterwards.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.db import connection, models
from django.db.models import NOT_PROVIDED
from psycopg.types.json import Jsonb

_TEXT = (models.CharField, models.TextField, models.FileField, models.GenericIPAddressField)


def _default(field: models.Field, now: datetime.datetime):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    if field.default is not NOT_PROVIDED:
        value = field.get_default()
        return Jsonb(value) if isinstance(field, models.JSONField) else value
    if field.null:
        return None
    if isinstance(field, _TEXT):
        return ""
    raise ValueError(f"{field.model.__name__}.{field.name} has no default: give it per row")


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """COPY ``rows`` (tuples in ``columns`` order, attribute names like
    "member_id", "id" for the key) into ``model``'s table; returns the count."""
    opts = model._meta
    now = datetime.datetime.now(datetime.UTC)
    given = set(columns)
    rest = [f for f in opts.concrete_fields if f.attname not in given and not f.primary_key]
    tail = tuple(_default(f, now) for f in rest)
    by_attname = {f.attname: f for f in opts.concrete_fields}
    names = [opts.pk.column if c == "id" else by_attname[c].column for c in columns]
    names += [f.column for f in rest]
    qn = connection.ops.quote_name
    statement = f"COPY {qn(opts.db_table)} ({', '.join(qn(n) for n in names)}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row + tail)
            count += 1
    return count


def copy_through(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """COPY into a plain table (many-to-many through tables)."""
    qn = connection.ops.quote_name
    count = 0
    statement = f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def next_id(model: type[models.Model]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX({model._meta.pk.column}), 0) + 1 FROM {model._meta.db_table}")  # noqa: S608 - model metadata names
        return cursor.fetchone()[0]


def fix_sequences(tables: Iterable[str]) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"  # noqa: S608 - our table names
            )
