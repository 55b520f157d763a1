"""Operations reports: class fill rate, sessions taught per trainer, low stock."""

from admin_site.reports import Column, Report, Table, admin_link, register
from core.reports import classes, stock, trainers

_FILL = [
    Column("sessions", "Sessions", "int"),
    Column("cancelled", "Cancelled", "int"),
    Column("capacity", "Seats", "int"),
    Column("booked", "Booked", "int"),
    Column("fill_rate", "Fill rate %", "decimal"),
    Column("attended", "Attended", "int"),
    Column("no_show", "No-shows", "int"),
    Column("waitlist_demand", "Waitlist demand", "int"),
]


def _fill_footer(rows: list[dict], label_key: str) -> dict:
    keys = ("sessions", "cancelled", "capacity", "booked", "attended", "no_show", "waitlist_demand")
    footer = {key: sum(row[key] for row in rows) for key in keys}
    footer["fill_rate"] = round(footer["booked"] * 100 / footer["capacity"], 1) if footer["capacity"] else None
    return {**footer, label_key: "Total"}


@register
class ClassFillReport(Report):
    slug = "class-fill"
    title = "Class fill rate"
    description = (
        "Classes starting in the period, by class type, instructor and time slot (weekday and hour): seats offered, "
        "seats taken (booked, attended and no-shows), attendance, and waitlist demand (bookings that joined a "
        "waitlist). Cancelled classes are counted apart and offer no seats."
    )
    icon = "event_seat"
    permissions = ("classes.view_classsession",)

    def tables(self, req):
        tables = []
        for view, title, heading in (
            ("class_type", "By class type", "Class type"),
            ("instructor", "By instructor", "Instructor"),
            ("slot", "By time slot", "Weekday and hour"),
        ):
            rows = classes.class_fill(req.period, view=view)
            tables.append(
                Table(key=view, title=title, columns=[Column("label", heading), *_FILL], rows=rows,
                      footer=_fill_footer(rows, "label"), empty="No classes in this period.")
            )  # fmt: skip
        return tables


@register
class TrainerSessionsReport(Report):
    slug = "trainer-sessions"
    title = "Sessions taught"
    description = (
        "Per instructor, classes starting in the period: held (already started), still to come, cancelled, hours "
        "taught, and the members booked, attending and not showing up in the classes held."
    )
    icon = "sports"
    permissions = ("classes.view_classsession",)

    def tables(self, req):
        rows = trainers.sessions_taught(req.period, now=req.now)
        keys = ("held", "upcoming", "cancelled", "hours", "booked", "attendees", "no_shows")
        footer = {key: sum(row[key] for row in rows) for key in keys}
        footer["hours"] = round(footer["hours"], 1)
        footer["instructor"] = "Total"
        columns = [
            Column("instructor", "Instructor"),
            Column("held", "Held", "int"),
            Column("upcoming", "To come", "int"),
            Column("cancelled", "Cancelled", "int"),
            Column("hours", "Hours taught", "decimal"),
            Column("booked", "Booked", "int"),
            Column("attendees", "Attended", "int"),
            Column("no_shows", "No-shows", "int"),
            Column("average", "Attendees per class", "decimal"),
        ]
        return [Table(key="trainers", title="Per instructor", columns=columns, rows=rows, footer=footer,
                      empty="No classes in this period.")]  # fmt: skip


@register
class LowStockReport(Report):
    slug = "low-stock"
    title = "Low stock"
    description = (
        "Active SKUs at or below their low-stock threshold, emptiest first, with the units sold in the period to "
        "judge how much to reorder."
    )
    icon = "production_quantity_limits"
    permissions = ("inventory.view_sku",)

    def tables(self, req):
        def row(sku):
            return {
                "pk": sku.pk, "code": sku.code, "product": sku.product.name, "variant": sku.attributes,
                "stock": sku.stock_on_hand, "threshold": sku.low_stock_threshold, "sold": sku.sold,
                "value": sku.value_at_cost,
            }  # fmt: skip

        columns = [
            Column("code", "SKU", link=lambda r: admin_link("admin:inventory_sku_change", args=[r["pk"]])),
            Column("product", "Product"),
            Column("variant", "Variant"),
            Column("stock", "In stock", "int"),
            Column("threshold", "Threshold", "int"),
            Column("sold", "Sold in period", "int"),
            Column("value", "Stock value at cost", "money"),
        ]
        return [
            Table(key="skus", title="Low-stock SKUs", columns=columns, rows=stock.low_stock_with_sales(req.period),
                  row=row, paginate=True, empty="Nothing is low on stock.")
        ]  # fmt: skip
