"""Stock actions of the SKU admin: receive, adjust, write off and take back
stock (on the list for many SKUs, and on a SKU's page), each through
``stock_move``; and the links to the desk sale, stock take and low-stock pages."""

from django import forms
from django.http import Http404
from django.urls import reverse
from unfold.decorators import action
from unfold.widgets import UnfoldAdminIntegerFieldWidget, UnfoldAdminTextInputWidget

from admin_site.action_forms import bulk_action_with_form, detail_action_with_form
from admin_site.inventory_pages import desk_sale_view, low_stock_view, stock_take_view
from core.inventory.models import StockMovement
from core.inventory.services.stock import stock_move

Kind = StockMovement.Kind


class QuantityReasonForm(forms.Form):
    quantity = forms.IntegerField(min_value=1, max_value=1_000_000, widget=UnfoldAdminIntegerFieldWidget)
    reason = forms.CharField(max_length=255, required=False, widget=UnfoldAdminTextInputWidget)


class ReceiveForm(QuantityReasonForm):
    reason = forms.CharField(
        max_length=255, required=False, widget=UnfoldAdminTextInputWidget, help_text="e.g. supplier and their invoice"
    )


class DamagedForm(QuantityReasonForm):
    reason = forms.CharField(max_length=255, widget=UnfoldAdminTextInputWidget, help_text="What happened")


class ReturnForm(QuantityReasonForm):
    reason = forms.CharField(
        max_length=255, widget=UnfoldAdminTextInputWidget, help_text="Who returned it and why, e.g. the invoice number"
    )


class AdjustForm(forms.Form):
    quantity = forms.IntegerField(
        min_value=-1_000_000, max_value=1_000_000, widget=UnfoldAdminIntegerFieldWidget,
        help_text="Positive adds to the stock, negative takes away, e.g. -2.",
    )  # fmt: skip
    reason = forms.CharField(max_length=255, widget=UnfoldAdminTextInputWidget, help_text="Kept in the ledger.")


# (form, title, intro, kind, sign, submit) per stock action
STOCK_ACTIONS = {
    "receive": (ReceiveForm, "Receive stock", "Adds the quantity to each SKU's stock.", Kind.RECEIVED, 1, "Receive"),
    "adjust": (AdjustForm, "Adjust stock", "Corrects each SKU's stock by the quantity.", Kind.ADJUSTMENT, 1, "Adjust"),
    "damaged": (
        DamagedForm, "Write off damaged stock", "Takes the quantity out of each SKU's stock.", Kind.DAMAGED, -1,
        "Write off",
    ),
    "returned": (
        ReturnForm, "Customer return", "Puts the returned quantity back into each SKU's stock.", Kind.RETURNED, 1,
        "Take back",
    ),
}  # fmt: skip


class StockActionsMixin:
    """Receive, adjust and write off stock, on the SKU list (bulk) and a SKU's page."""

    def has_move_permission(self, request, obj=None):
        return request.user.has_perm("inventory.move_stock")

    def has_sell_permission(self, request, obj=None):
        return request.user.has_perm("inventory.sell_sku")

    def has_take_permission(self, request, obj=None):
        return request.user.has_perm("inventory.take_stock")

    def _apply(self, request, name: str):
        form_class, title, intro, kind, sign, submit = STOCK_ACTIONS[name]

        def apply(sku, data):
            return stock_move(
                sku=sku, kind=kind, quantity=sign * data["quantity"], reason=data["reason"], by=request.user
            )

        return {"form_class": form_class, "title": title, "intro": intro, "apply": apply, "submit": submit}

    def _bulk(self, request, queryset, name: str):
        return bulk_action_with_form(
            self, request, queryset, success="{count} SKU(s) updated.", **self._apply(request, name)
        )

    def _detail(self, request, object_id, name: str):
        sku = self.get_object(request, object_id)
        if sku is None:
            raise Http404("This SKU does not exist.")
        back = reverse("admin:inventory_sku_change", args=[sku.pk])
        return detail_action_with_form(
            self, request, sku, success="Stock updated.", back_url=back, **self._apply(request, name)
        )

    @action(description="Receive stock", permissions=["move"])
    def receive(self, request, queryset):
        return self._bulk(request, queryset, "receive")

    @action(description="Adjust stock (with a reason)", permissions=["move"])
    def adjust(self, request, queryset):
        return self._bulk(request, queryset, "adjust")

    @action(description="Write off damaged stock", permissions=["move"])
    def damaged(self, request, queryset):
        return self._bulk(request, queryset, "damaged")

    @action(description="Customer return (back into stock)", permissions=["move"])
    def returned(self, request, queryset):
        return self._bulk(request, queryset, "returned")

    @action(description="Receive stock", permissions=["move"], icon="add_box")
    def receive_one(self, request, object_id):
        return self._detail(request, object_id, "receive")

    @action(description="Adjust", permissions=["move"], icon="tune")
    def adjust_one(self, request, object_id):
        return self._detail(request, object_id, "adjust")

    @action(description="Damaged", permissions=["move"], icon="broken_image")
    def damaged_one(self, request, object_id):
        return self._detail(request, object_id, "damaged")

    @action(description="Return", permissions=["move"], icon="undo")
    def returned_one(self, request, object_id):
        return self._detail(request, object_id, "returned")

    @action(description="Desk sale", url_path="desk-sale", permissions=["sell"], icon="point_of_sale")
    def desk_sale(self, request):
        return desk_sale_view(self, request)

    @action(description="Stock take", url_path="stock-take", permissions=["take"], icon="inventory")
    def stock_take(self, request):
        return stock_take_view(self, request)

    # "view": without it any staff login could read stock levels and the stock value at cost.
    @action(
        description="Low-stock report", url_path="low-stock", permissions=["view"], icon="production_quantity_limits"
    )
    def low_stock(self, request):
        return low_stock_view(self, request)
