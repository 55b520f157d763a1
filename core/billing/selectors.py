"""Reads about money owed: the front desk's dues list and a member's balance."""

import datetime
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, QuerySet, Sum
from django.utils import timezone

from core.billing.models import Invoice

OPEN_STATUSES = (Invoice.Status.ISSUED, Invoice.Status.PARTIAL)

_BALANCE = ExpressionWrapper(F("total") - F("amount_paid"), output_field=DecimalField(max_digits=12, decimal_places=2))


def invoices_with_balance(queryset: QuerySet | None = None) -> QuerySet:
    """Invoices annotated with ``balance_due`` (total − paid), so lists can sort by it."""
    queryset = Invoice.objects.all() if queryset is None else queryset
    return queryset.annotate(balance_due=_BALANCE)


def invoices_overdue(queryset: QuerySet | None = None, *, today: datetime.date | None = None) -> QuerySet:
    """Issued or partly paid invoices whose due date has passed."""
    queryset = Invoice.objects.all() if queryset is None else queryset
    return queryset.filter(status__in=OPEN_STATUSES, due_on__lt=today or timezone.localdate())


def invoices_due(*, today: datetime.date | None = None, within_days: int = 0) -> QuerySet:
    """The dues list: open invoices past due (and, with ``within_days``, those
    falling due within that many days), oldest due date first, with the member
    and their login joined in so a page of them costs one query."""
    today = today or timezone.localdate()
    last_day = today + datetime.timedelta(days=within_days) if within_days > 0 else today - datetime.timedelta(days=1)
    return (
        invoices_with_balance(Invoice.objects.filter(status__in=OPEN_STATUSES, due_on__lte=last_day))
        .select_related("member__user")
        .order_by("due_on", "number")
    )


def member_balance(*, member) -> Decimal:
    """What the member still owes on open invoices (0.00 when nothing)."""
    owed = Invoice.objects.filter(member=member, status__in=OPEN_STATUSES).aggregate(owed=Sum(_BALANCE))["owed"]
    return owed if owed is not None else Decimal("0.00")
