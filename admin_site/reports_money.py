"""Money reports: collections (by day, method and staff member, refunds
listed) and dues with their aging."""

import datetime

from admin_site.reports import Column, Report, Table, admin_link, member_link, register
from core.billing.models import Invoice
from core.common.money import format_money
from core.reports import revenue
from core.reports.periods import DateRange

_IN_OUT = [
    Column("payments", "Payments", "int"),
    Column("received", "Received", "money"),
    Column("refunds", "Refunds", "int"),
    Column("refunded", "Refunded", "money"),
    Column("net", "Net", "money"),
]
_SUMMED = ("payments", "received", "refunds", "refunded", "net")


def _totals(rows: list[dict], label_key: str) -> dict:
    totals = {key: sum(row[key] for row in rows) for key in _SUMMED}
    return {**totals, label_key: "Total"}


def _payments_link(period, **query) -> str | None:
    return admin_link(
        "admin:billing_payment_changelist",
        {"received_at__gte": str(period.since), "received_at__lt": str(period.until), **query},
    )


@register
class CollectionsReport(Report):
    slug = "collections"
    title = "Collections"
    description = "Money received per day, per payment method and per staff member; refunds listed."
    icon = "payments"
    permissions = ("billing.view_payment", "billing.view_invoice")

    def shortcuts(self, today):
        month = today.replace(day=1)
        return [
            ("Today", {"start": today, "end": today}),
            ("This month", {"start": month, "end": today}),
            ("Last 30 days", {"start": today - datetime.timedelta(days=29), "end": today}),
        ]

    def tables(self, req):
        period = req.period
        days = revenue.revenue_by_day(period)
        methods = revenue.collections_by_method(period)
        staff = revenue.collections_by_staff(period)
        day_link = {"link": lambda row: _payments_link(DateRange(row["day"], row["day"]))}
        return [
            Table(
                key="days", title="By day", columns=[Column("day", "Day", "date", **day_link), *_IN_OUT],
                rows=days, footer=_totals(days, "day"),
            ),
            Table(
                key="methods", title="By method",
                columns=[
                    Column("label", "Method", link=lambda row: _payments_link(period, method__exact=row["method"])),
                    *_IN_OUT,
                ],
                rows=methods, footer=_totals(methods, "label"),
            ),
            Table(
                key="staff", title="By staff member", columns=[Column("staff", "Taken by"), *_IN_OUT],
                rows=staff, footer=_totals(staff, "staff"),
            ),
            Table(
                key="refunds", title="Refunds",
                columns=[
                    Column("receipt", "Receipt", link=lambda row: admin_link(
                        "admin:billing_payment_change", args=[row["pk"]])),
                    Column("at", "When", "datetime"),
                    Column("invoice", "Invoice", link=lambda row: admin_link(
                        "admin:billing_invoice_change", args=[row["invoice_id"]])),
                    Column("refund_of", "Refund of"),
                    Column("method", "Method"),
                    Column("amount", "Amount", "money"),
                    Column("reason", "Reason"),
                    Column("by", "By"),
                ],
                rows=revenue.refunds_between(period),
                row=lambda p: {
                    "pk": p.pk, "receipt": p.receipt_number, "at": p.received_at, "invoice": p.invoice.number,
                    "invoice_id": p.invoice_id, "refund_of": p.refund_of.receipt_number if p.refund_of else "",
                    "method": p.get_method_display(), "amount": -p.amount, "reason": p.note,
                    "by": p.received_by.full_name or p.received_by.email if p.received_by else "",
                },
                paginate=True, empty="No refunds in this period.",
            ),
        ]  # fmt: skip


def _customer(invoice: Invoice) -> dict:
    member = invoice.member
    return {
        "code": member.code if member else "",
        "customer": invoice.customer,
        "phone": member.phone if member else "",
    }


@register
class DuesReport(Report):
    slug = "dues"
    title = "Dues and aging"
    description = (
        "Issued and partly paid invoices past their due date, by how late they are: 0–30, 31–60 and over 60 days. "
        "Dates filter the due date; leave them empty for all."
    )
    icon = "money_off"
    permissions = ("billing.view_invoice",)
    dates_required = False

    def default_range(self, today):
        return None, None

    def tables(self, req):
        today = req.today
        aging = revenue.dues_aging(today=today, due_from=req.start, due_to=req.end)
        footer = {
            "bucket": "Total",
            "count": sum(row["count"] for row in aging),
            "owed": sum(row["owed"] for row in aging),
        }
        invoices = revenue.overdue_invoices(today=today, due_from=req.start, due_to=req.end)

        def row(invoice):
            return {
                "pk": invoice.pk, "member_id": invoice.member_id, "number": invoice.number, **_customer(invoice),
                "due_on": invoice.due_on, "days_late": (today - invoice.due_on).days, "bucket": invoice.bucket,
                "total": invoice.total, "balance": invoice.balance_due,
            }  # fmt: skip

        return [
            Table(
                key="aging", title="Aging",
                columns=[Column("bucket", "Days past due"), Column("count", "Invoices", "int"),
                         Column("owed", "Owed", "money")],
                rows=aging, footer=footer,
            ),
            Table(
                key="invoices", title="Past-due invoices",
                columns=[
                    Column("number", "Invoice", link=lambda r: admin_link(
                        "admin:billing_invoice_change", args=[r["pk"]])),
                    Column("code", "Member", link=lambda r: member_link(r["member_id"])),
                    Column("customer", "Customer"),
                    Column("phone", "Phone"),
                    Column("due_on", "Due on", "date"),
                    Column("days_late", "Days late", "int"),
                    Column("bucket", "Bucket"),
                    Column("total", "Total", "money"),
                    Column("balance", "Balance", "money"),
                ],
                rows=invoices, row=row, paginate=True, empty="Nobody owes anything past due.",
            ),
        ]  # fmt: skip

    def summary(self, req):
        totals = revenue.dues_summary(today=req.today)
        return [("Past due (all dates)", f"{totals['count']} invoices, {format_money(totals['owed'])}")]
