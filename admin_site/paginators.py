"""A paginator for the admin's event logs (check-ins, punches, audit events):
millions of rows, where an exact COUNT(*) of the unfiltered list costs more
than the rest of the page (bench/, issue 11). Unfiltered, it uses
PostgreSQL's row estimate (kept by autovacuum/ANALYZE, off by a few percent);
any filter or search counts exactly, as those lists are small."""

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
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [rows.model._meta.db_table]
                )
                row = cursor.fetchone()
            if row and row[0] > ESTIMATE_ABOVE:
                return int(row[0])
        return super().count
