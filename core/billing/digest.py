"""Daily digest section about money owed (registered in BillingConfig.ready)."""

import datetime

from django.db.models import Count, F, Sum

from core.billing.models import Invoice
from core.common.money import format_money
from core.notifications.digest import DigestSection

SHOWN = 10  # the oldest dues are listed; the summary counts them all


def dues_outstanding_section(today: datetime.date) -> DigestSection:
    """Issued or partly paid invoices past their due date: count, total owed, the oldest first."""
    overdue = Invoice.objects.filter(status__in=[Invoice.Status.ISSUED, Invoice.Status.PARTIAL], due_on__lt=today)
    totals = overdue.aggregate(count=Count("pk"), owed=Sum(F("total") - F("amount_paid")))
    if not totals["count"]:
        return DigestSection(title="Dues outstanding")
    oldest = overdue.select_related("member__user").order_by("due_on", "number")[:SHOWN]
    lines = [
        f"{invoice.number} {invoice.customer}: {format_money(invoice.balance, invoice.currency)} "
        f"due since {invoice.due_on:%a} {invoice.due_on.day} {invoice.due_on:%b}"
        for invoice in oldest
    ]
    if totals["count"] > SHOWN:
        lines.append(f"… and {totals['count'] - SHOWN} more")
    noun = "invoice" if totals["count"] == 1 else "invoices"
    return DigestSection(
        title="Dues outstanding",
        summary=f"{totals['count']} {noun} past due, {format_money(totals['owed'])} owed",
        lines=lines,
    )
