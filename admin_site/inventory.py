"""Inventory in the admin: products with their SKUs, the SKU list (stock, value
at cost, low-stock filter), the movement ledger (read-only), stock actions
(inventory_actions.py) that call core.inventory services, and the desk sale,
stock take and low-stock pages (inventory_pages.py)."""

from django.contrib import admin
from django.db.models import F
from django.forms.models import BaseInlineFormSet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from unfold.admin import TabularInline
from unfold.decorators import display

from admin_site.base import GymModelAdmin
from admin_site.inventory_actions import StockActionsMixin
from admin_site.resources.inventory import ProductImportExportMixin, SKUImportExportMixin
from core.common.money import format_money
from core.inventory.models import SKU, Product, StockMovement
from core.inventory.selectors import products_with_stock, skus_with_value

LEDGER_ROWS = 10  # recent movements shown on a SKU's page


class LowStockFilter(admin.SimpleListFilter):
    title = "stock level"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [("low", "Low (at or below threshold)"), ("out", "Out of stock"), ("ok", "Above threshold")]

    def queryset(self, request, queryset):
        if self.value() == "low":
            return queryset.filter(stock_on_hand__lte=F("low_stock_threshold"))
        if self.value() == "out":
            return queryset.filter(stock_on_hand=0)
        if self.value() == "ok":
            return queryset.filter(stock_on_hand__gt=F("low_stock_threshold"))
        return queryset


class SKUInlineFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        # The database refuses codes differing only in case; say so before it does.
        seen = {}
        for form in self.forms:
            code = (form.cleaned_data or {}).get("code", "")
            if code and not form.cleaned_data.get("DELETE"):
                if code.lower() in seen:
                    form.add_error("code", f"“{code}” is already used by another row (codes ignore case).")
                seen.setdefault(code.lower(), form)


class SKUInline(TabularInline):
    """Variants of a product. Stock is read-only here: it changes only through movements."""

    model = SKU
    formset = SKUInlineFormSet
    fields = ["code", "size", "flavour", "colour", "price", "cost", "low_stock_threshold", "is_active", "stock_on_hand"]
    readonly_fields = ["stock_on_hand"]
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Product)
class ProductAdmin(ProductImportExportMixin, GymModelAdmin):
    list_display = ["name", "category", "sku_count", "units_in_stock", "value_display", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["name", "skus__code"]
    fields = ["name", "category", "description", "is_active"]
    inlines = [SKUInline]

    def get_queryset(self, request):
        return products_with_stock(super().get_queryset(request))

    @display(description="SKUs", ordering="sku_count")
    def sku_count(self, product):
        return product.sku_count

    @display(description="In stock", ordering="units_in_stock")
    def units_in_stock(self, product):
        return product.units_in_stock

    @display(description="Value at cost", ordering="value_at_cost")
    def value_display(self, product):
        return format_money(product.value_at_cost)


@admin.register(SKU)
class SKUAdmin(SKUImportExportMixin, StockActionsMixin, GymModelAdmin):
    list_display = [
        "code", "product", "attributes", "price_display", "cost_display", "stock_display", "value_display", "is_active",
    ]  # fmt: skip
    list_select_related = ["product"]
    list_filter = [LowStockFilter, "product__category", "is_active", "product"]
    search_fields = ["code", "product__name", "size", "flavour", "colour"]
    search_help_text = "Code, product, size, flavour or colour"
    ordering = ["product__name", "code"]
    readonly_fields = ["stock_on_hand", "value_at_cost_display", "ledger"]
    fieldsets = [
        (None, {"fields": ["product", "code", "size", "flavour", "colour", "is_active"]}),
        ("Price", {"fields": ["price", "cost"]}),
        ("Stock", {"fields": ["stock_on_hand", "low_stock_threshold", "value_at_cost_display", "ledger"]}),
    ]
    actions = ["receive", "adjust", "damaged", "returned"]
    actions_detail = ["receive_one", "adjust_one", "damaged_one", "returned_one"]
    actions_list = ["desk_sale", "stock_take", "low_stock"]

    def get_queryset(self, request):
        return skus_with_value(super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        # A new SKU starts at 0; its stock arrives with "Receive stock".
        return ["stock_on_hand"] if obj is None else self.readonly_fields

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(t, {"fields": [f for f in o["fields"] if f not in ("value_at_cost_display", "ledger")]})
                    for t, o in self.fieldsets]  # fmt: skip
        return self.fieldsets

    @display(description="Variant")
    def attributes(self, sku):
        return sku.attributes

    @display(description="Price", ordering="price")
    def price_display(self, sku):
        return format_money(sku.price)

    @display(description="Cost", ordering="cost")
    def cost_display(self, sku):
        return format_money(sku.cost)

    @display(description="Stock", ordering="stock_on_hand", label={"low": "danger", "ok": "success"})
    def stock_display(self, sku):
        if sku.is_low:
            return "low", f"{sku.stock_on_hand} (low: ≤{sku.low_stock_threshold})"
        return "ok", str(sku.stock_on_hand)

    @display(description="Value at cost", ordering="value_at_cost")
    def value_display(self, sku):
        return format_money(sku.value_at_cost)

    @display(description="Value at cost")
    def value_at_cost_display(self, sku):
        return format_money(sku.stock_on_hand * sku.cost)

    @display(description="Movements")
    def ledger(self, sku):
        recent = list(sku.movements.select_related("by", "invoice").order_by("-at", "-pk")[:LEDGER_ROWS])
        url = reverse("admin:inventory_stockmovement_changelist") + f"?sku__id__exact={sku.pk}"
        # render_to_string's output is safe: the template escapes every value it shows.
        return render_to_string(
            "admin_site/inventory/sku_ledger.html",
            {"movements": recent, "ledger_url": url, "total": sku.movements.count()},
        )


@admin.register(StockMovement)
class StockMovementAdmin(GymModelAdmin):
    """The ledger: read-only. Movements are made by the stock actions, sales and stock takes."""

    list_display = ["at", "sku_link", "product", "kind", "quantity_display", "stock_after", "reason", "who", "invoice"]
    list_select_related = ["sku__product", "by", "invoice"]
    list_filter = ["kind", "sku__product__category"]
    search_fields = ["sku__code", "sku__product__name", "reason", "invoice__number"]
    search_help_text = "SKU code, product, reason or invoice number"
    date_hierarchy = "at"
    ordering = ["-at", "-pk"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @display(description="SKU", ordering="sku__code")
    def sku_link(self, movement):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:inventory_sku_change", args=[movement.sku_id]), movement.sku.code
        )

    @display(description="Product", ordering="sku__product__name")
    def product(self, movement):
        return movement.sku.product.name

    @display(description="By", ordering="by__first_name")
    def who(self, movement):
        return movement.by.full_name or movement.by.email

    @display(description="Quantity", ordering="quantity")
    def quantity_display(self, movement):
        return f"{movement.quantity:+d}"
