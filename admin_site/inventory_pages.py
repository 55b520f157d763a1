"""Inventory pages of the admin that are not a model's list or form: the desk
sale, the stock take and the low-stock report. Thin views: a form reads the
input, a core service does the work, errors come back beside the input."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanSwitchWidget,
)

from admin_site.service_forms import add_service_error
from core.common.money import format_money
from core.inventory.models import SKU
from core.inventory.selectors import low_stock_skus, skus_with_value, stock_value_at_cost
from core.inventory.services.sales import sale_create
from core.inventory.services.stock import stock_take
from core.members.models import Member

SALE_ROWS = 6  # item lines on the desk sale page


def _sellable() -> list[SKU]:
    skus = SKU.objects.filter(is_active=True, product__is_active=True).select_related("product")
    return list(skus.order_by("product__name", "code"))


class DeskSaleForm(forms.Form):
    member_code = forms.CharField(
        label="Member code", required=False, max_length=12, widget=UnfoldAdminTextInputWidget,
        help_text="e.g. M00012. Leave empty for a walk-in customer.",
    )  # fmt: skip
    customer_name = forms.CharField(
        label="Walk-in customer", required=False, max_length=120, widget=UnfoldAdminTextInputWidget,
        help_text="Name on the invoice when the buyer is not a member.",
    )  # fmt: skip
    paid_cash = forms.BooleanField(
        label="Paid in cash now", required=False, initial=True, widget=UnfoldBooleanSwitchWidget
    )

    def __init__(self, *args, skus: list[SKU], **kwargs):
        super().__init__(*args, **kwargs)
        self.skus = {str(sku.pk): sku for sku in skus}
        choices = [("", "—")] + [
            (str(sku.pk), f"{sku.label} — {format_money(sku.price)}, {sku.stock_on_hand} in stock") for sku in skus
        ]
        self.rows = []
        for i in range(1, SALE_ROWS + 1):
            self.fields[f"sku_{i}"] = forms.ChoiceField(
                label=f"Item {i}", choices=choices, required=False, widget=UnfoldAdminSelectWidget
            )
            self.fields[f"quantity_{i}"] = forms.IntegerField(
                label="Quantity", min_value=1, max_value=10_000, required=False, widget=UnfoldAdminIntegerFieldWidget
            )
            self.rows.append((self[f"sku_{i}"], self[f"quantity_{i}"]))

    def clean(self):
        data = super().clean()
        code = (data.get("member_code") or "").strip()
        data["member"] = None
        if code:
            data["member"] = Member.objects.filter(code__iexact=code).select_related("user").first()
            if data["member"] is None:
                self.add_error("member_code", f"No member has the code “{code}”.")
        elif not (data.get("customer_name") or "").strip():
            self.add_error("customer_name", "Enter the walk-in customer's name, or a member code.")
        items = []
        for i in range(1, SALE_ROWS + 1):
            sku_id, quantity = data.get(f"sku_{i}"), data.get(f"quantity_{i}")
            if sku_id:
                items.append((self.skus[sku_id], quantity or 1))
            elif quantity:
                self.add_error(f"sku_{i}", "Choose the item for this quantity.")
        if not items and not self.errors:
            raise ValidationError("Choose at least one item.")
        data["items"] = items
        return data


class StockTakeForm(forms.Form):
    note = forms.CharField(
        required=False, max_length=200, widget=UnfoldAdminTextInputWidget,
        help_text="Kept with every correction, e.g. “Monthly count, March”.",
    )  # fmt: skip

    def __init__(self, *args, skus: list[SKU], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for sku in skus:
            name = f"count_{sku.pk}"
            self.fields[name] = forms.IntegerField(
                label=sku.label, min_value=0, max_value=1_000_000, required=False,
                widget=UnfoldAdminIntegerFieldWidget(attrs={"placeholder": "not counted"}),
            )  # fmt: skip
            self.rows.append((sku, self[name]))

    def counts(self) -> dict[int, int]:
        """Only the SKUs that were counted (an empty box means "not counted")."""
        return {
            sku.pk: self.cleaned_data[field.name]
            for sku, field in self.rows
            if self.cleaned_data.get(field.name) is not None
        }


def _page(modeladmin, request, template: str, **context) -> TemplateResponse:
    context = {**modeladmin.admin_site.each_context(request), "opts": modeladmin.model._meta, **context}
    return TemplateResponse(request, f"admin_site/inventory/{template}", context)


def _invoice_url(invoice) -> str:
    try:
        return reverse("admin:billing_invoice_change", args=[invoice.pk])
    except NoReverseMatch:  # the billing admin is not registered
        return reverse("admin:inventory_sku_changelist")


def desk_sale_view(modeladmin, request):
    form = DeskSaleForm(request.POST or None, skus=_sellable())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invoice = sale_create(
                items=data["items"], member=data["member"], customer_name=data["customer_name"],
                by=request.user, paid_cash=data["paid_cash"],
            )  # fmt: skip
        except ValidationError as exc:
            add_service_error(form, exc, {})
        else:
            paid = "paid in cash" if invoice.status == invoice.Status.PAID else "not paid yet"
            messages.success(request, f"Sold: {invoice.number} for {format_money(invoice.total)} ({paid}).")
            return redirect(_invoice_url(invoice))
    return _page(modeladmin, request, "desk_sale.html", title="Desk sale", form=form)


def stock_take_view(modeladmin, request):
    skus = list(skus_with_value(SKU.objects.filter(is_active=True)).order_by("product__name", "code"))
    form = StockTakeForm(request.POST or None, skus=skus)
    if request.method == "POST" and form.is_valid():
        try:
            if not form.counts():
                raise ValidationError("Enter the counted quantity of at least one SKU.")
            movements = stock_take(counts=form.counts(), by=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            add_service_error(form, exc, {})
        else:
            changed = ", ".join(f"{m.sku.code} {m.quantity:+d}" for m in movements) or "no differences"
            messages.success(request, f"Stock take recorded for {len(form.counts())} SKU(s): {changed}.")
            return redirect("admin:inventory_sku_changelist")
    return _page(modeladmin, request, "stock_take.html", title="Stock take", form=form)


def low_stock_view(modeladmin, request):
    skus = list(low_stock_skus())
    return _page(
        modeladmin, request, "low_stock.html", title="Low stock", skus=skus,
        stock_value=format_money(stock_value_at_cost()),
    )  # fmt: skip
