"""The paginator of GymModelAdmin and the event logs (check-ins, punches): on
tables of 100,000+ rows (invoices, payments, memberships, check-ins) an exact
COUNT(*) of the unfiltered list costs more than the rest of the page (bench/,
issue 11). Unfiltered, it uses PostgreSQL's row estimate (kept by
autovacuum/ANALYZE, off by a few percent); any filter or search counts
exactly, as those lists are small."""

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.utils.functional import cached_property

# Below this many rows an exact count is cheap and worth having.
ESTIMATE_ABOVE = 100_000


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if isinstance(rows, QuerySet) and connection.vendor == "postgresql" and not rows.query.where:
            # One query either way (the exact count only runs below the threshold), so
            # a list makes as many queries with a small table as with a huge one.
            table = connection.ops.quote_name(rows.model._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT CASE WHEN reltuples > %s THEN reltuples::bigint ELSE (SELECT COUNT(*) FROM {table}) END "  # noqa: S608 - a quoted model table name
                    "FROM pg_class WHERE oid = %s::regclass",
                    [ESTIMATE_ABOVE, rows.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row:
                return int(row[0])
        return super().count
