"""Shared pieces of the billing admin pages: links, read-only bases, the invoice
list's filters and the invoice page's inlines."""

import datetime

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.admin import TabularInline
from unfold.decorators import display

from admin_site.base import GymModelAdmin
from core.billing.models import Invoice, InvoiceLine, Payment
from core.billing.selectors import OPEN_STATUSES, invoices_overdue
from core.common.money import format_money

SOON_DAYS = 7  # "due soon": within a week

LINK_CLASS = "text-primary-600 dark:text-primary-500"


def member_link(member) -> str:
    if member is None:
        return ""
    try:
        url = reverse("admin:members_member_change", args=[member.pk])
    except NoReverseMatch:
        return str(member)
    return format_html('<a href="{}" class="{}">{}</a>', url, LINK_CLASS, str(member))


def invoice_link(invoice: Invoice) -> str:
    url = reverse("admin:billing_invoice_change", args=[invoice.pk])
    return format_html('<a href="{}" class="{}">{}</a>', url, LINK_CLASS, invoice)


def customer_text(invoice: Invoice) -> str:
    if invoice.member_id:
        return f"{invoice.member.code} {invoice.member.display_name}"
    return f"{invoice.customer_name} (walk-in)"


class ReadOnlyInline(TabularInline):
    extra = 0
    can_delete = False
    hide_title = True  # each row already shows what it is

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyMixin:
    """Written only by services: no add, change or delete pages. Put before the ModelAdmin base."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _object_or_404(self, request, object_id):
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404(f"No such {self.model._meta.verbose_name}.")
        return obj

    def _change_url(self, obj) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


class ReadOnlyRecordAdmin(ReadOnlyMixin, GymModelAdmin):
    pass


class DueFilter(admin.SimpleListFilter):
    title = "due"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", "Past due"), ("soon", f"Due within {SOON_DAYS} days"), ("open", "Open (not paid)")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return invoices_overdue(queryset, today=today)
        if self.value() == "soon":
            return queryset.filter(
                status__in=OPEN_STATUSES, due_on__gte=today, due_on__lte=today + datetime.timedelta(days=SOON_DAYS)
            )
        if self.value() == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset


class PaidByFilter(admin.SimpleListFilter):
    title = "paid by"
    parameter_name = "paid_by"

    def lookups(self, request, model_admin):
        return Payment.Method.choices

    def queryset(self, request, queryset):
        if self.value() in Payment.Method.values:
            # EXISTS, not a join: an invoice paid in two instalments is listed once.
            paid = Payment.objects.filter(invoice=OuterRef("pk"), method=self.value(), amount__gt=0)
            return queryset.filter(Exists(paid))
        return queryset


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = ["kind", "description", "quantity", "unit_price_display", "amount_display"]
    readonly_fields = fields

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("billing.view_invoice")  # lines are part of the invoice

    @display(description="Unit price")
    def unit_price_display(self, line):
        return format_money(line.unit_price)

    @display(description="Amount")
    def amount_display(self, line):
        return format_money(line.amount)


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["receipt", "amount_display", "method", "reference", "received_at", "received_by", "note"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("received_by")

    @display(description="Receipt")
    def receipt(self, payment):
        url = reverse("admin:billing_payment_change", args=[payment.pk])
        return format_html('<a href="{}" class="{}">{}</a>', url, LINK_CLASS, payment.receipt_number)

    @display(description="Amount")
    def amount_display(self, payment):
        return format_money(payment.amount)
