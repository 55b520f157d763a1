"""Changing stock: every change is a StockMovement, written together with the
new ``stock_on_hand`` while the SKU row is locked, so concurrent desks never
oversell and the running total always equals the sum of the ledger."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from core.common.services import audit_record
from core.inventory.models import SKU, StockMovement

Kind = StockMovement.Kind


def skus_lock(*, sku_ids: Iterable[int]) -> dict[int, SKU]:
    """Lock SKU rows for the rest of the transaction, always in primary-key
    order, so two desks selling the same two items in a different order wait
    for each other instead of deadlocking. Must run inside a transaction."""
    return {sku.pk: sku for sku in SKU.objects.select_for_update().filter(pk__in=set(sku_ids)).order_by("pk")}


def _check_quantity(kind: str, quantity) -> None:
    if kind not in Kind.values:
        raise ValidationError(f"“{kind}” is not a kind of stock movement.")
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationError({"quantity": "The quantity must be a whole number."})
    if quantity == 0:
        raise ValidationError({"quantity": "The quantity cannot be zero."})
    if kind in StockMovement.INCOMING and quantity < 0:
        raise ValidationError(
            {"quantity": f"A “{Kind(kind).label}” movement adds stock: the quantity must be positive."}
        )
    if kind in StockMovement.OUTGOING and quantity > 0:
        raise ValidationError(
            {"quantity": f"A “{Kind(kind).label}” movement takes stock out: the quantity must be negative."}
        )


def insufficient_stock_message(sku: SKU, wanted: int) -> str:
    return f"Only {sku.stock_on_hand} in stock of SKU {sku.code}; {wanted} cannot be taken out."


@transaction.atomic
def stock_move(*, sku: SKU, kind: str, quantity: int, reason: str = "", by, invoice=None) -> StockMovement:
    """Record one movement and apply it to the SKU's stock. ``quantity`` is
    signed (+ in, - out). Refused, with the stock named, if it would leave
    the stock below zero. ``sku`` is refreshed with the new stock."""
    _check_quantity(kind, quantity)
    reason = (reason or "").strip()
    if kind == Kind.ADJUSTMENT and not reason:
        raise ValidationError({"reason": "Give a reason for the adjustment, e.g. “found behind the counter”."})
    if by is None or not getattr(by, "pk", None):
        raise ValidationError("A stock movement needs the person who made it.")
    locked = SKU.objects.select_for_update().get(pk=sku.pk)
    if locked.stock_on_hand + quantity < 0:
        raise ValidationError({"quantity": insufficient_stock_message(locked, -quantity)})
    locked.stock_on_hand += quantity
    movement = StockMovement(
        sku=locked,
        kind=kind,
        quantity=quantity,
        stock_after=locked.stock_on_hand,
        reason=reason[:255],
        by=by,
        invoice=invoice,
    )
    movement.full_clean()
    movement.save()
    locked.save(update_fields=["stock_on_hand", "updated_at"])
    sku.stock_on_hand = locked.stock_on_hand
    return movement


@transaction.atomic
def stock_take(*, counts: dict[int, int], by, note: str = "") -> list[StockMovement]:
    """Apply a count of many SKUs at once: each SKU whose counted quantity
    differs from its stock gets a STOCKTAKE movement for the difference; an
    unchanged one gets nothing. All or nothing: one bad count refuses all."""
    if not counts:
        raise ValidationError("Enter the counted quantity of at least one SKU.")
    locked = skus_lock(sku_ids=counts)
    problems = []
    missing = sorted(set(counts) - set(locked), key=str)
    if missing:
        problems.append(f"Unknown SKU id(s): {', '.join(map(str, missing))}.")
    for sku_id, counted in counts.items():
        sku = locked.get(sku_id)
        name = sku.code if sku else f"#{sku_id}"
        if isinstance(counted, bool) or not isinstance(counted, int):
            problems.append(f"{name}: the count “{counted}” is not a whole number.")
        elif counted < 0:
            problems.append(f"{name}: the count cannot be negative ({counted}).")
    if problems:
        raise ValidationError(problems)
    reason = (note or "").strip() or "Stock take"
    movements = [
        stock_move(sku=sku, kind=Kind.STOCKTAKE, quantity=counts[pk] - sku.stock_on_hand, reason=reason, by=by)
        for pk, sku in locked.items()
        if counts[pk] != sku.stock_on_hand
    ]
    audit_record(
        action="inventory.stock_take",
        summary=f"Stock take of {len(counts)} SKU(s): {len(movements)} corrected. {reason}",
        actor=by,
        data={"counted": len(counts), "corrected": {m.sku.code: m.quantity for m in movements}, "note": reason},
    )
    return movements
