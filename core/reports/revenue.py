"""Money in and money owed: revenue series, collections, dues and their aging.

Everything is summed in the database; Python only fills in empty days and
months, so each function costs one query whatever the number of payments."""

import datetime
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate

from core.billing.models import Invoice, Payment
from core.billing.selectors import OPEN_STATUSES
from core.reports.periods import DateRange, add_months, day_bounds, local_midnight

MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Decimal("0.00")
BALANCE = ExpressionWrapper(F("total") - F("amount_paid"), output_field=MONEY)


def _money(expression, **kwargs):
    return Coalesce(Sum(expression, **kwargs), Value(ZERO), output_field=MONEY)


def _in_out() -> dict:
    """Received (positive payments), refunded (negative, shown as a positive sum) and net."""
    return {
        "received": _money("amount", filter=Q(amount__gt=0)),
        "refunded": _money(-F("amount"), filter=Q(amount__lt=0)),
        "net": _money("amount"),
        "payments": Count("pk", filter=Q(amount__gt=0)),
        "refunds": Count("pk", filter=Q(amount__lt=0)),
    }


_EMPTY = {"received": ZERO, "refunded": ZERO, "net": ZERO, "payments": 0, "refunds": 0}


def payments_between(period: DateRange) -> QuerySet:
    return Payment.objects.filter(received_at__gte=period.since, received_at__lt=period.until)


def revenue_by_day(period: DateRange) -> list[dict]:
    """One row per day of ``period`` (days without payments included)."""
    rows = payments_between(period).annotate(day=TruncDate("received_at")).values("day").annotate(**_in_out())
    found = {row["day"]: row for row in rows.order_by("day")}
    empty = _EMPTY
    return [{**empty, **found.get(day, {}), "day": day} for day in period.dates()]


def revenue_by_month(*, today: datetime.date, months: int = 12) -> list[dict]:
    """Net money in (payments less refunds) per month, the last ``months`` months up to
    ``today`` (the current month so far). One pass with a filtered sum per month: bucketing
    by comparing times is several times cheaper than converting each payment's time zone."""
    firsts = [add_months(today, -n) for n in range(months - 1, -1, -1)]
    bounds = [(first, min(add_months(first, 1) - datetime.timedelta(days=1), today)) for first in firsts]
    sums = {
        f"m{i}": _money("amount", filter=Q(received_at__gte=local_midnight(first), received_at__lt=day_after(last)))
        for i, (first, last) in enumerate(bounds)
    }
    totals = payments_between(DateRange(firsts[0], today)).aggregate(**sums)
    return [{"month": first, "net": totals[f"m{i}"]} for i, first in enumerate(firsts)]


def day_after(day: datetime.date) -> datetime.datetime:
    return local_midnight(day + datetime.timedelta(days=1))


def collections_today_by_method(*, today: datetime.date) -> dict[str, dict]:
    """{method: {received, refunded, net, payments, refunds}} for every method, today (local)."""
    since, until = day_bounds(today)
    rows = Payment.objects.filter(received_at__gte=since, received_at__lt=until).values("method").annotate(**_in_out())
    found = {row["method"]: row for row in rows.order_by("method")}
    empty = _EMPTY
    return {method: {**empty, **found.get(method, {}), "method": method} for method in Payment.Method.values}


def collections_by_method(period: DateRange) -> list[dict]:
    rows = payments_between(period).values("method").annotate(**_in_out()).order_by("method")
    labels = dict(Payment.Method.choices)
    return [{**row, "label": labels.get(row["method"], row["method"])} for row in rows]


def collections_by_staff(period: DateRange) -> list[dict]:
    """Per person who took the money; online payments have no one (bKash, "Online")."""
    rows = (
        payments_between(period)
        .values("received_by", "received_by__first_name", "received_by__last_name", "received_by__email")
        .annotate(**_in_out())
        .order_by("received_by__first_name", "received_by__email")
    )
    return [
        {
            **row,
            "staff": " ".join(filter(None, [row["received_by__first_name"], row["received_by__last_name"]]))
            or row["received_by__email"]
            or "Online (no staff member)",
        }
        for row in rows
    ]


def refunds_between(period: DateRange) -> QuerySet:
    """Each refund with its invoice, the original receipt and who gave it."""
    return (
        payments_between(period)
        .filter(amount__lt=0)
        .select_related("invoice", "refund_of", "received_by")
        .order_by("received_at", "pk")
    )


def dues_summary(*, today: datetime.date) -> dict:
    """Open invoices past their due date: how many and how much is owed."""
    return Invoice.objects.filter(status__in=OPEN_STATUSES, due_on__lt=today).aggregate(
        count=Count("pk"), owed=_money(BALANCE)
    )


AGING_BUCKETS = (("0-30", 1, 30), ("31-60", 31, 60), ("60+", 61, None))


def _bucket_q(low: int, high: int | None, today: datetime.date) -> Q:
    # days late = today - due_on, so "low..high days late" is a due_on window.
    q = Q(due_on__lte=today - datetime.timedelta(days=low))
    if high is not None:
        q &= Q(due_on__gte=today - datetime.timedelta(days=high))
    return q


def overdue_invoices(*, today: datetime.date, due_from: datetime.date | None = None, due_to=None) -> QuerySet:
    """Past-due open invoices (optionally due within [due_from, due_to]), with
    ``balance_due``, ``days_late`` bucketed as ``bucket``, member and login joined."""
    invoices = Invoice.objects.filter(status__in=OPEN_STATUSES, due_on__lt=today)
    if due_from is not None:
        invoices = invoices.filter(due_on__gte=due_from)
    if due_to is not None:
        invoices = invoices.filter(due_on__lte=due_to)
    whens = [When(_bucket_q(low, high, today), then=Value(name)) for name, low, high in AGING_BUCKETS]
    return (
        invoices.annotate(balance_due=BALANCE, bucket=Case(*whens, default=Value("")))
        .select_related("member__user")
        .order_by("due_on", "number")
    )


def dues_aging(*, today: datetime.date, due_from: datetime.date | None = None, due_to=None) -> list[dict]:
    """Count and balance per aging bucket (0-30, 31-60, 60+ days past due), one query."""
    invoices = overdue_invoices(today=today, due_from=due_from, due_to=due_to).order_by()
    aggregates = {}
    for index, (_name, low, high) in enumerate(AGING_BUCKETS):
        q = _bucket_q(low, high, today)
        aggregates[f"count_{index}"] = Count("pk", filter=q)
        aggregates[f"owed_{index}"] = _money(BALANCE, filter=q)
    totals = invoices.aggregate(**aggregates)
    return [
        {"bucket": name, "count": totals[f"count_{i}"], "owed": totals[f"owed_{i}"]}
        for i, (name, _low, _high) in enumerate(AGING_BUCKETS)
    ]
