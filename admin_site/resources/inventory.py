"""Product and SKU import (through core.inventory.importing: every row checked,
all or nothing, dry run first) and export in the same columns, so an exported
file can be edited and imported back. Stock is exported for reference and
never imported; a new SKU's ``opening_stock`` becomes a RECEIVED movement.

Wire in with ``class ProductAdmin(ProductImportExportMixin, GymModelAdmin)``
and ``class SKUAdmin(SKUImportExportMixin, GymModelAdmin)``.
"""

from import_export import resources
from import_export.fields import Field
from import_export.results import RowResult

from admin_site.resources.base import ServiceImport, ServiceImportExportMixin, safe_cell
from core.inventory.importing import (
    MAX_ROWS,
    PRODUCT_OPTIONAL,
    PRODUCT_REQUIRED,
    SKU_OPTIONAL,
    SKU_REQUIRED,
    products_import,
    products_import_check,
    skus_import,
    skus_import_check,
)
from core.inventory.models import SKU, Product

NEW, UPDATE = RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


class _CatalogueResource(ServiceImport, resources.ModelResource):
    @classmethod
    def max_rows(cls) -> int:
        return MAX_ROWS

    def get_user_visible_fields(self):
        # Shown on the import page as the columns the file may have.
        return [Field(column_name=f"{c} (required)") for c in self.required] + [
            Field(column_name=c) for c in self.optional
        ]

    def _counted_notes(self, rows, noun: str, matched_by: str) -> None:
        updates = sum(1 for row in rows if self._existing(row) is not None)
        self.notes = [f"{len(rows) - updates} new {noun}, {updates} updated (matched by {matched_by})."]


class ProductResource(_CatalogueResource):
    required = PRODUCT_REQUIRED
    optional = PRODUCT_OPTIONAL

    name = Field(column_name="name")
    category = Field(column_name="category")
    description = Field(column_name="description")
    is_active = Field(column_name="is_active")

    class Meta:
        model = Product
        name = "Products"
        fields = PRODUCT_REQUIRED + PRODUCT_OPTIONAL
        export_order = fields

    @staticmethod
    def _existing(row):
        return row.product

    def check(self, table, **kwargs):
        rows, _columns = products_import_check(table=table)
        self._counted_notes(rows, "products", "name")
        return rows

    def run(self, table, user=None, file_name="", **kwargs):
        result = products_import(table=table, by=user, source=file_name or "")
        return result.created, result.updated, f"Products imported: {result.created} new, {result.updated} updated."

    def preview(self, row):
        values = [row.name, row.category.lower(), row.description, _yes_no(row.is_active)]
        return (UPDATE if row.product else NEW), values

    def dehydrate_name(self, product):
        return safe_cell(product.name)

    def dehydrate_category(self, product):
        return product.category.lower()

    def dehydrate_description(self, product):
        return safe_cell(product.description)

    def dehydrate_is_active(self, product):
        return _yes_no(product.is_active)


class SKUResource(_CatalogueResource):
    required = SKU_REQUIRED
    optional = SKU_OPTIONAL

    product = Field(column_name="product")
    code = Field(column_name="code")
    price = Field(attribute="price", column_name="price")
    cost = Field(attribute="cost", column_name="cost")
    size = Field(column_name="size")
    flavour = Field(column_name="flavour")
    colour = Field(column_name="colour")
    low_stock_threshold = Field(attribute="low_stock_threshold", column_name="low_stock_threshold")
    is_active = Field(column_name="is_active")
    stock_on_hand = Field(attribute="stock_on_hand", column_name="stock_on_hand")

    class Meta:
        model = SKU
        name = "SKUs"
        # opening_stock is for new SKUs only, so an export leaves it out.
        fields = tuple(c for c in SKU_REQUIRED + SKU_OPTIONAL if c != "opening_stock")
        export_order = fields

    @staticmethod
    def _existing(row):
        return row.sku

    def check(self, table, **kwargs):
        rows, _columns = skus_import_check(table=table)
        self._counted_notes(rows, "SKUs", "code")
        opening = sum(row.opening_stock for row in rows)
        if opening:
            self.notes.append(f"{opening:,} units of opening stock will be received.")
        return rows

    def run(self, table, user=None, file_name="", **kwargs):
        result = skus_import(table=table, by=user, source=file_name or "")
        summary = f"SKUs imported: {result.created} new, {result.updated} updated"
        if result.received:
            summary += f"; {result.received:,} units of opening stock received"
        return result.created, result.updated, summary + "."

    def preview(self, row):
        values = [
            row.product.name, row.code, f"{row.price:.2f}", f"{row.cost:.2f}", row.size, row.flavour, row.colour,
            row.low_stock_threshold, _yes_no(row.is_active), row.opening_stock or "",
            row.sku.stock_on_hand if row.sku else 0,
        ]  # fmt: skip
        return (UPDATE if row.sku else NEW), values

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("product")

    def dehydrate_product(self, sku):
        return safe_cell(sku.product.name)

    def dehydrate_code(self, sku):
        return safe_cell(sku.code)

    def dehydrate_size(self, sku):
        return safe_cell(sku.size)

    def dehydrate_flavour(self, sku):
        return safe_cell(sku.flavour)

    def dehydrate_colour(self, sku):
        return safe_cell(sku.colour)

    def dehydrate_is_active(self, sku):
        return _yes_no(sku.is_active)


class _CatalogueImportExportMixin(ServiceImportExportMixin):
    def has_import_permission(self, request):
        # An import may change existing rows, so it needs both rights.
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}") and request.user.has_perm(
            f"{opts.app_label}.change_{opts.model_name}"
        )


class ProductImportExportMixin(_CatalogueImportExportMixin):
    import_resource_class = ProductResource
    export_resource_class = ProductResource


class SKUImportExportMixin(_CatalogueImportExportMixin):
    import_resource_class = SKUResource
    export_resource_class = SKUResource

    def has_import_permission(self, request):
        # Opening stock is a RECEIVED movement.
        return super().has_import_permission(request) and request.user.has_perm("inventory.move_stock")
