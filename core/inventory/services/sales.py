"""Selling at the desk: one invoice and its SOLD movements, all or nothing."""

from django.core.exceptions import ValidationError
from django.db import transaction

from core.billing.models import Invoice, InvoiceLine, Payment
from core.billing.services.invoices import LineSpec, invoice_issue
from core.billing.services.payments import payment_record
from core.inventory.models import SKU, StockMovement
from core.inventory.services.stock import skus_lock, stock_move


def _merge(items) -> dict[int, int]:
    """{sku id: quantity} in the order first seen; the same SKU twice is one line."""
    wanted: dict[int, int] = {}
    for position, item in enumerate(items, start=1):
        try:
            sku, quantity = item
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"Item {position} must be a SKU and a quantity.") from exc
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise ValidationError(f"{sku}: the quantity must be a whole number of at least 1.")
        sku_id = sku.pk if isinstance(sku, SKU) else sku
        wanted[sku_id] = wanted.get(sku_id, 0) + quantity
    return wanted


@transaction.atomic
def sale_create(
    *, items: list[tuple[SKU, int]], member=None, customer_name: str = "", by, paid_cash: bool = False
) -> Invoice:
    """Sell ``items`` [(sku, quantity), ...] to a member or a walk-in customer:
    an invoice with a PRODUCT line per SKU at its current price, and a SOLD
    movement per SKU. ``paid_cash`` records the full amount as cash at once.

    Everything happens in one transaction: if any item is refused (inactive,
    not enough stock) nothing is kept, not even the invoice number, whose
    counter is incremented inside this same transaction."""
    wanted = _merge(items)
    if not wanted:
        raise ValidationError("Add at least one item to the sale.")
    # Lock every SKU first (in a fixed order) so the stock checked below
    # cannot change before the SOLD movements are written.
    locked = skus_lock(sku_ids=wanted)
    if len(locked) != len(wanted):
        raise ValidationError("One of the items no longer exists; reload the page.")
    skus = {pk: locked[pk] for pk in wanted}
    for sku in skus.values():
        if not sku.is_active:
            raise ValidationError(f"{sku.code} is not for sale (the SKU is inactive).")
        if not sku.product.is_active:
            raise ValidationError(f"{sku.code} is not for sale ({sku.product.name} is inactive).")
    invoice = invoice_issue(
        lines=[
            LineSpec(description=sku.label, unit_price=sku.price, quantity=wanted[pk], kind=InvoiceLine.Kind.PRODUCT)
            for pk, sku in skus.items()
        ],
        member=member,
        customer_name=customer_name,
        by=by,
        note="Desk sale",
    )
    # A refused movement (e.g. not enough stock of the second item) raises
    # here and rolls back the invoice and the movements before it.
    for pk, sku in skus.items():
        stock_move(
            sku=sku, kind=StockMovement.Kind.SOLD, quantity=-wanted[pk], reason=f"Sale {invoice.number}", by=by,
            invoice=invoice,
        )  # fmt: skip
    if paid_cash and invoice.total > 0:
        payment_record(invoice=invoice, amount=invoice.total, method=Payment.Method.CASH, received_by=by)
        invoice.refresh_from_db()
    return invoice
