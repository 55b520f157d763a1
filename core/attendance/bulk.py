"""Fast inserts for big batches of log rows (a device's first poll brings
100,000 punches and as many check-ins).

Django's bulk_create spends ~150 us per row here building model instances and
quoting parameters, which alone would take a 100,000-punch first poll past
30 s on a 2-core machine. On PostgreSQL, batches of COPY_THRESHOLD rows or more go
through COPY (psycopg's copy protocol), with ids reserved from the table's
sequence when the caller needs them; smaller batches and other databases
(the embedded SQLite) use bulk_create. Rows are plain tuples in ``columns``
order with values already in database form (aware datetimes, ids, text).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models

COPY_THRESHOLD = 1000
BATCH_SIZE = 2000


def use_copy(count: int) -> bool:
    return connection.vendor == "postgresql" and count >= COPY_THRESHOLD


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    pk_column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk_column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple], *, returning_ids: bool = False
) -> list[int]:
    """Insert ``rows`` (attribute names in ``columns``, e.g. "member_id");
    returns the new primary keys in row order when ``returning_ids``."""
    if not rows:
        return []
    if not use_copy(len(rows)):
        objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
        return [obj.pk for obj in objects] if returning_ids else []
    opts = model._meta
    names = [opts.get_field(c).column if c != "pk" else opts.pk.column for c in columns]
    ids: list[int] = []
    if returning_ids:
        ids = _reserve_ids(model, len(rows))
        names = [opts.pk.column, *names]
        rows = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
    qn = connection.ops.quote_name
    statement = f"COPY {qn(opts.db_table)} ({', '.join(qn(n) for n in names)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
    return ids
