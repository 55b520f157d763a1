"""Invoices and payments in the admin. Both are read-only records: money moves
only through core.billing services (issue, record payment, void, correct,
refund), called from the actions here; a refused call comes back as a message
or a form error and writes nothing. PDFs are streamed after the admin's
access check (billing_views.py); class packs, credits, bKash checkouts and
webhook events are in billing_online.py."""

from django.contrib import admin, messages
from django.db.models import Sum
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from unfold.contrib.filters.admin import RangeDateFilter
from unfold.decorators import action, display

from admin_site import billing_online  # noqa: F401 - registers the packs, credits, bKash and webhook pages
from admin_site.action_forms import ReasonForm, bulk_action_with_form, detail_action_with_form
from admin_site.billing_base import (
    DueFilter,
    InvoiceLineInline,
    PaidByFilter,
    PaymentInline,
    ReadOnlyRecordAdmin,
    customer_text,
    invoice_link,
    member_link,
)
from admin_site.billing_forms import RecordPaymentForm, RefundForm, with_initial
from admin_site.billing_views import (
    dues_view,
    invoice_correct_view,
    invoice_issue_view,
    invoice_pdf_response,
    receipt_pdf_response,
)
from core.billing.models import Invoice, Payment
from core.billing.selectors import OPEN_STATUSES, invoices_with_balance
from core.billing.services.invoices import invoice_void
from core.billing.services.payments import payment_record, payment_refund
from core.common.money import format_money

STATUS_LABELS = {"ISSUED": "info", "PARTIAL": "warning", "PAID": "success", "VOID": "danger"}
NOTHING_TO_PAY = "{number} is {status}: there is nothing to pay on it."


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyRecordAdmin):
    list_display = [
        "number", "customer_display", "issued_on", "due_on", "total_display", "paid_display", "balance_display",
        "status_display",
    ]  # fmt: skip
    list_select_related = ["member__user"]
    list_filter = ["status", DueFilter, ("issued_on", RangeDateFilter), PaidByFilter]
    list_filter_submit = True  # the date range filter needs the submit button
    search_fields = [
        "number", "customer_name", "member__code", "member__user__first_name", "member__user__last_name",
        "member__user__email",
    ]  # fmt: skip
    search_help_text = "Invoice number, member code, name or email, or walk-in name"
    date_hierarchy = "issued_on"
    inlines = [InvoiceLineInline, PaymentInline]
    fieldsets = [
        (None, {"fields": ["number", "status_text", "customer_link", "issued_on", "due_on", "issued_by", "note"]}),
        ("Money", {"fields": ["total_display", "paid_display", "balance_display", "currency", "pdf_link"]}),
        ("Void and corrections", {"fields": ["void_reason", "voided_at", "replaces", "replaced_by_link"]}),
    ]
    readonly_fields = [
        "number", "status_text", "customer_link", "issued_on", "due_on", "issued_by", "note", "total_display",
        "paid_display", "balance_display", "currency", "pdf_link", "void_reason", "voided_at", "replaces",
        "replaced_by_link",
    ]  # fmt: skip
    actions = ["void_selected"]
    actions_list = ["issue", "dues"]
    actions_detail = ["record_payment", "download_pdf", "void_one", "correct"]

    def get_queryset(self, request):
        return invoices_with_balance(super().get_queryset(request))

    # --- columns and fields

    @display(description="Customer", ordering="member__code")
    def customer_display(self, invoice):
        return customer_text(invoice)

    @display(description="Customer")
    def customer_link(self, invoice):
        return member_link(invoice.member) if invoice.member_id else customer_text(invoice)

    @display(description="Total", ordering="total")
    def total_display(self, invoice):
        return format_money(invoice.total, invoice.currency)

    @display(description="Paid", ordering="amount_paid")
    def paid_display(self, invoice):
        return format_money(invoice.amount_paid, invoice.currency)

    @display(description="Balance", ordering="balance_due")
    def balance_display(self, invoice):
        return format_money(invoice.balance, invoice.currency)

    @display(description="Status", ordering="status", label=STATUS_LABELS)
    def status_display(self, invoice):
        return invoice.status, invoice.get_status_display()

    @display(description="Status")
    def status_text(self, invoice):
        # Labels render in lists only; the record page shows the words (and why, when void).
        if invoice.status == Invoice.Status.VOID:
            return f"Void: {invoice.void_reason}"
        return invoice.get_status_display()

    @display(description="PDF")
    def pdf_link(self, invoice):
        url = reverse("admin:billing_invoice_download_pdf", args=[invoice.pk])
        return format_html('<a href="{}" class="text-primary-600 underline">Download {}.pdf</a>', url, invoice.number)

    @display(description="Replaced by")
    def replaced_by_link(self, invoice):
        replacement = Invoice.objects.filter(replaces=invoice).first()
        return invoice_link(replacement) if replacement else "-"

    # --- who may do what

    def has_record_payment_permission(self, request, obj=None):
        return request.user.has_perm("billing.add_payment")

    def has_void_permission(self, request, obj=None):
        return request.user.is_admin  # voids and corrections: admins only

    def has_correct_permission(self, request, obj=None):
        return request.user.is_admin

    def has_issue_permission(self, request, obj=None):
        return request.user.has_perm("billing.add_invoice")

    # --- actions

    @action(description="Issue invoice", url_path="issue", permissions=["issue"], icon="receipt_long")
    def issue(self, request):
        return invoice_issue_view(self, request)

    @action(description="Dues", url_path="dues", permissions=["view"], icon="money_off")
    def dues(self, request):
        return dues_view(self, request)

    @action(description="Record payment", url_path="record-payment", permissions=["record_payment"], icon="payments")
    def record_payment(self, request, object_id):
        invoice = self._object_or_404(request, object_id)
        back = self._change_url(invoice)
        if request.method == "GET" and invoice.status not in OPEN_STATUSES:
            text = NOTHING_TO_PAY.format(number=invoice.number, status=invoice.get_status_display().lower())
            self.message_user(request, text, messages.WARNING)
            return redirect(back)

        def apply(invoice, data):
            payment = payment_record(invoice=invoice, received_by=request.user, **data)
            self.message_user(
                request,
                f"Receipt {payment.receipt_number}: {format_money(payment.amount)} on {invoice.number}; "
                f"balance now {format_money(payment.invoice.balance)}.",
                messages.INFO,
            )

        return detail_action_with_form(
            self, request, invoice, form_class=with_initial(RecordPaymentForm, amount=invoice.balance),
            title=f"Record a payment on {invoice.number}",
            intro=f"{customer_text(invoice)}: total {format_money(invoice.total)}, paid "
            f"{format_money(invoice.amount_paid)}, balance {format_money(invoice.balance)}. The member gets "
            "the receipt by email.",
            apply=apply, success="Payment recorded.", back_url=back, submit="Record payment",
        )  # fmt: skip

    @action(description="Download PDF", url_path="pdf", permissions=["view"], icon="picture_as_pdf")
    def download_pdf(self, request, object_id):
        return invoice_pdf_response(self._object_or_404(request, object_id))

    @action(description="Void", url_path="void", permissions=["void"], icon="block")
    def void_one(self, request, object_id):
        invoice = self._object_or_404(request, object_id)
        return detail_action_with_form(
            self, request, invoice, form_class=ReasonForm, title=f"Void {invoice.number}",
            intro="A void invoice stays on record with your reason; nothing can be paid on it. An invoice with "
            "money on it cannot be voided: refund its payments first.",
            apply=lambda invoice, data: invoice_void(invoice=invoice, reason=data["reason"], by=request.user),
            success="Invoice voided.", back_url=self._change_url(invoice), submit="Void the invoice",
        )  # fmt: skip

    @action(description="Correct", url_path="correct", permissions=["correct"], icon="edit_note")
    def correct(self, request, object_id):
        return invoice_correct_view(self, request, self._object_or_404(request, object_id))

    @action(description="Void (with a reason)", permissions=["void"])
    def void_selected(self, request, queryset):
        return bulk_action_with_form(
            self, request, queryset, form_class=ReasonForm, title="Void invoices",
            intro="Invoices with money on them are kept (refund their payments first).",
            apply=lambda invoice, data: invoice_void(invoice=invoice, reason=data["reason"], by=request.user),
            success="{count} invoice(s) voided.", submit="Void invoices",
        )  # fmt: skip


def _refundable(payment: Payment):
    refunded = payment.refunds.aggregate(total=Sum("amount"))["total"] or 0
    return payment.amount + refunded  # refunds are stored negative


@admin.register(Payment)
class PaymentAdmin(ReadOnlyRecordAdmin):
    list_display = [
        "receipt_number", "invoice_link", "member_display", "amount_display", "method", "reference", "received_at",
        "received_by",
    ]  # fmt: skip
    list_select_related = ["invoice__member__user", "received_by"]
    list_filter = ["method", ("received_at", admin.DateFieldListFilter)]
    search_fields = ["receipt_number", "invoice__number", "reference", "invoice__member__code"]
    search_help_text = "Receipt or invoice number, reference (bKash trxID) or member code"
    date_hierarchy = "received_at"
    fields = [
        "receipt_number", "invoice_link", "member_display", "amount_display", "method", "reference", "received_at",
        "received_by", "note", "refund_of", "receipt_link",
    ]  # fmt: skip
    readonly_fields = fields
    actions_detail = ["download_receipt", "refund"]

    @display(description="Invoice", ordering="invoice__number")
    def invoice_link(self, payment):
        return invoice_link(payment.invoice)

    @display(description="Customer", ordering="invoice__member__code")
    def member_display(self, payment):
        return customer_text(payment.invoice)

    @display(description="Amount", ordering="amount")
    def amount_display(self, payment):
        money = format_money(payment.amount)
        return f"{money} (refund)" if payment.is_refund else money

    @display(description="Receipt PDF")
    def receipt_link(self, payment):
        url = reverse("admin:billing_payment_download_receipt", args=[payment.pk])
        return format_html('<a href="{}" class="text-primary-600 underline">Download {}.pdf</a>', url, payment)

    def has_refund_permission(self, request, obj=None):
        return request.user.is_admin  # the service checks again

    @action(description="Receipt PDF", url_path="receipt", permissions=["view"], icon="picture_as_pdf")
    def download_receipt(self, request, object_id):
        return receipt_pdf_response(self._object_or_404(request, object_id))

    @action(description="Refund", url_path="refund", permissions=["refund"], icon="undo")
    def refund(self, request, object_id):
        payment = self._object_or_404(request, object_id)
        back = self._change_url(payment)
        if payment.is_refund:
            self.message_user(request, "A refund cannot be refunded.", messages.WARNING)
            return redirect(back)
        left = _refundable(payment)
        return detail_action_with_form(
            self, request, payment, form_class=with_initial(RefundForm, amount=left),
            title=f"Refund {payment.receipt_number}",
            intro=f"{format_money(payment.amount)} {payment.get_method_display()} on {payment.invoice.number}; "
            f"{format_money(left)} can still be refunded. The refund is recorded as a negative payment and the "
            "invoice's balance goes up by it. Give the money back yourself (cash, or refund in bKash's merchant "
            "portal).",
            apply=lambda payment, data: payment_refund(payment=payment, by=request.user, **data),
            success="Refund recorded.", back_url=back, submit="Record the refund",
        )  # fmt: skip
