"""Billing pages of the admin that are not a model's list or form: PDF
downloads, issuing an invoice, and the front desk's dues list (with CSV).
Thin views: a form reads the input, a core.billing service does the work."""

import csv
import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from admin_site.billing_base import SOON_DAYS
from admin_site.billing_forms import LINE_ROWS, InvoiceIssueForm, correct_form_for
from admin_site.service_forms import add_service_error
from core.billing.models import Invoice, Payment
from core.billing.selectors import invoices_due
from core.billing.services.documents import invoice_pdf_current, payment_receipt_current
from core.billing.services.invoices import invoice_correct, invoice_issue
from core.common.money import format_money
from portal.files import pdf_response

DUES_PER_PAGE = 50  # like every list: a rendered row costs ~1 ms, 100 kept the page over 150 ms (issue 11)
_PLAIN_NUMBER = re.compile(r"[+-][\d\s()./-]*")


# --- PDFs -------------------------------------------------------------------------


def invoice_pdf_response(invoice: Invoice) -> FileResponse:
    invoice = invoice_pdf_current(invoice)
    return pdf_response(invoice.pdf, filename=f"{invoice.number}.pdf")


def receipt_pdf_response(payment: Payment) -> FileResponse:
    payment = payment_receipt_current(payment)
    return pdf_response(payment.receipt_pdf, filename=f"{payment.receipt_number}.pdf")


# --- issue and correct invoices -------------------------------------------------------


def _page(modeladmin, request, template: str, **context) -> TemplateResponse:
    context = {**modeladmin.admin_site.each_context(request), "opts": modeladmin.model._meta, **context}
    return TemplateResponse(request, f"admin_site/billing/{template}", context)


def _invoice_form_page(modeladmin, request, form, **context) -> TemplateResponse:
    line_fields = {name for row in form.rows for name in (field.name for field in row)}
    head = [form[name] for name in form.fields if name not in line_fields]
    return _page(modeladmin, request, "invoice_form.html", form=form, head_fields=head, **context)


def _change_url(invoice: Invoice) -> str:
    return reverse("admin:billing_invoice_change", args=[invoice.pk])


def invoice_issue_view(modeladmin, request):
    form = InvoiceIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invoice = invoice_issue(
                lines=data["lines"], member=data["member"], customer_name=data["customer_name"],
                due_on=data["due_on"], by=request.user, note=data["note"],
            )  # fmt: skip
        except ValidationError as exc:
            add_service_error(form, exc, {})
        else:
            messages.success(request, f"Issued {invoice.number} for {format_money(invoice.total)}.")
            return redirect(_change_url(invoice))
    return _invoice_form_page(
        modeladmin, request, form, title="Issue an invoice", submit_label="Issue invoice",
        intro="For charges not sold elsewhere (renewals: Renew on the member's page; class packs: Sell on the "
        "pack's page; shop items: Desk sale). An issued invoice cannot be edited: correct it from its page.",
        cancel_url=reverse("admin:billing_invoice_changelist"),
    )  # fmt: skip


def invoice_correct_view(modeladmin, request, invoice: Invoice):
    """Void the invoice and issue its replacement (the service does both, or neither)."""
    back = _change_url(invoice)
    if invoice.lines.count() > LINE_ROWS:
        messages.error(request, f"{invoice.number} has more than {LINE_ROWS} lines: void it and issue a new one.")
        return redirect(back)
    form = correct_form_for(invoice)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            replacement = invoice_correct(
                invoice=invoice, lines=data["lines"], reason=data["reason"], by=request.user, due_on=data["due_on"]
            )
        except ValidationError as exc:
            add_service_error(form, exc, {})
        else:
            messages.success(request, f"{invoice.number} is void; {replacement.number} replaces it.")
            return redirect(_change_url(replacement))
    return _invoice_form_page(
        modeladmin, request, form, title=f"Correct {invoice.number}", submit_label="Void and issue the correction",
        intro=f"{invoice.number} ({invoice.customer}, {format_money(invoice.total)}) will be void with your reason, "
        "and a new invoice with the lines below replaces it. Only an invoice with nothing paid can be corrected: "
        "refund its payments first.",
        cancel_url=back,
    )  # fmt: skip


# --- dues -----------------------------------------------------------------------------


def _days_late(invoice: Invoice, today) -> int:
    return (today - invoice.due_on).days


def _late_text(days: int) -> str:
    if days == 0:
        return "due today"
    if days < 0:
        return f"due in {-days} day{'s' if days < -1 else ''}"
    return f"{days} day{'s' if days > 1 else ''} late"


def _csv_cell(value) -> str:
    text = str(value)
    # Spreadsheet apps run cells that start like a formula; names come from public forms.
    if text[:1] in ("=", "@", "\t", "\r") or (text[:1] in ("+", "-") and not _PLAIN_NUMBER.fullmatch(text)):
        return "'" + text
    return text


def _dues_csv(invoices, today) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dues-{today:%Y-%m-%d}.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow(["Invoice", "Member code", "Customer", "Phone", "Due on", "Days late", "Total", "Paid", "Balance"])
    for invoice in invoices.iterator(chunk_size=500):
        member = invoice.member
        writer.writerow(
            _csv_cell(value)
            for value in [
                invoice.number, member.code if member else "", invoice.customer, member.phone if member else "",
                invoice.due_on.isoformat(), _days_late(invoice, today), invoice.total, invoice.amount_paid,
                invoice.balance_due,
            ]
        )  # fmt: skip
    return response


def dues_view(modeladmin, request):
    """Open invoices past due (optionally also those due within a week), oldest first."""
    today = timezone.localdate()
    soon = request.GET.get("soon") == "1"
    invoices = invoices_due(today=today, within_days=SOON_DAYS if soon else 0)
    if request.GET.get("format") == "csv":
        return _dues_csv(invoices, today)
    totals = invoices.order_by().aggregate(count=Count("pk"), owed=Sum("balance_due"))
    paginator = Paginator(invoices, DUES_PER_PAGE)
    paginator.count = totals["count"]  # counted with the total just above: no second COUNT
    page = paginator.get_page(request.GET.get("p"))
    rows = []
    for invoice in page.object_list:
        late = _days_late(invoice, today)
        rows.append((invoice, late, _late_text(late)))
    can_record = request.user.has_perm("billing.add_payment")
    return _page(
        modeladmin, request, "dues.html", title="Dues", rows=rows, page=page, soon=soon, soon_days=SOON_DAYS,
        count=totals["count"], owed=format_money(totals["owed"] or 0), can_record=can_record,
    )  # fmt: skip
