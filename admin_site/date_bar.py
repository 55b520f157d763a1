"""The date bar (``date_hierarchy``) of big lists without a DISTINCT over the table.

Django lists the years (or a year's months) of the bar with SELECT DISTINCT
DATE_TRUNC(...) over every matching row: ~330 ms on 400,000 invoices or
payments, more than the rest of the page (bench/, issue 11). Here the years
and months come from the first and last date (MIN/MAX: two index look-ups);
a year or month in between with no rows at all would show as an empty link,
which a running gym does not have. Days (one month's rows) are listed as
Django does."""

import datetime
from functools import lru_cache

from django.db.models import Max, Min, QuerySet
from django.utils import timezone
from unfold.views import ChangeList

_SPAN_KINDS = ("year", "month")


def _span(queryset: QuerySet, field_name: str, kind: str) -> list:
    bounds = queryset.aggregate(first=Min(field_name), last=Max(field_name))
    first, last = bounds["first"], bounds["last"]
    if first is None or last is None:
        return []
    if isinstance(first, datetime.datetime):
        first, last = (timezone.localtime(v) if timezone.is_aware(v) else v for v in (first, last))
    points, year, month = [], first.year, first.month if kind == "month" else 1
    while (year, month) <= (last.year, last.month if kind == "month" else 1):
        points.append(datetime.date(year, month, 1))
        year, month = (year + 1, 1) if kind == "year" or month == 12 else (year, month + 1)
    if isinstance(first, datetime.datetime):
        return [datetime.datetime(p.year, p.month, 1, tzinfo=first.tzinfo) for p in points]
    return points


class SpanDatesQuerySet(QuerySet):
    """Mixed into a list's queryset class: years and months of the date bar from MIN/MAX."""

    def dates(self, field_name, kind, order="ASC"):
        if kind in _SPAN_KINDS:
            return _span(self, field_name, kind)
        return super().dates(field_name, kind, order)

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        if kind in _SPAN_KINDS and tzinfo is None:
            return _span(self, field_name, kind)
        return super().datetimes(field_name, kind, order, tzinfo)


@lru_cache(maxsize=64)
def _with_span_dates(cls: type) -> type:
    return type(f"SpanDates{cls.__name__}", (SpanDatesQuerySet, cls), {})


class SpanDatesChangeList(ChangeList):
    """unfold's ChangeList whose queryset (read by the date bar) lists years and months cheaply."""

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        if self.date_hierarchy and not isinstance(self.queryset, SpanDatesQuerySet):
            self.queryset.__class__ = _with_span_dates(self.queryset.__class__)
