"""Plan import (creates or updates by name, through core.memberships.importing)
and export, in the same columns, so an exported file can be edited and imported back.

Wire into the plan admin with ``class PlanAdmin(PlanImportExportMixin, GymModelAdmin)``.
"""

from import_export import resources
from import_export.fields import Field
from import_export.results import RowResult

from admin_site.resources.base import ServiceImport, ServiceImportExportMixin, safe_cell
from core.memberships.importing import (
    MAX_ROWS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    plans_import,
    plans_import_check,
)
from core.memberships.models import Plan


class PlanResource(ServiceImport, resources.ModelResource):
    required = REQUIRED_COLUMNS
    optional = OPTIONAL_COLUMNS

    name = Field(column_name="name")
    price = Field(attribute="price", column_name="price")
    interval_count = Field(attribute="interval_count", column_name="interval_count")
    interval_unit = Field(column_name="interval_unit")
    perks = Field(column_name="perks")
    class_credits = Field(attribute="class_credits", column_name="class_credits")
    facilities = Field(column_name="facilities")
    is_active = Field(column_name="is_active")

    class Meta:
        model = Plan
        name = "Plans"
        fields = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
        export_order = fields

    @classmethod
    def max_rows(cls) -> int:
        return MAX_ROWS

    def get_user_visible_fields(self):
        return [Field(column_name=f"{c} (required)") for c in self.required] + [
            Field(column_name=c) for c in self.optional
        ]

    # --- import ---------------------------------------------------------------
    def check(self, table, **kwargs):
        rows, _columns = plans_import_check(table=table)
        updates = sum(1 for row in rows if row.is_update)
        self.notes = [f"{len(rows) - updates} new plans, {updates} updated (matched by name)."]
        return rows

    def run(self, table, user=None, file_name="", **kwargs):
        result = plans_import(table=table, by=user, source=file_name or "")
        return result.created, result.updated, f"Plans imported: {result.created} new, {result.updated} updated."

    def preview(self, row):
        values = [
            row.name, f"{row.price:.2f}", row.interval_count, row.interval_unit.lower(), row.perks,
            row.class_credits, ", ".join(f.name for f in row.facilities), "yes" if row.is_active else "no",
        ]  # fmt: skip
        return (RowResult.IMPORT_TYPE_UPDATE if row.is_update else RowResult.IMPORT_TYPE_NEW), values

    # --- export ---------------------------------------------------------------
    def filter_export(self, queryset, **kwargs):
        return queryset.prefetch_related("facilities")

    def dehydrate_name(self, plan):
        return safe_cell(plan.name)

    def dehydrate_interval_unit(self, plan):
        return plan.interval_unit.lower()

    def dehydrate_perks(self, plan):
        return safe_cell(plan.perks)

    def dehydrate_facilities(self, plan):
        return ", ".join(f.name for f in plan.facilities.all())

    def dehydrate_is_active(self, plan):
        return "yes" if plan.is_active else "no"


class PlanImportExportMixin(ServiceImportExportMixin):
    """Import (dry run first, then all or nothing; updates plans by name) and export of plans."""

    import_resource_class = PlanResource
    export_resource_class = PlanResource

    def has_import_permission(self, request):
        # An import may change existing plans, so it needs both rights.
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.add_plan") and request.user.has_perm(
            f"{opts.app_label}.change_plan"
        )
