"""What the bKash client hands back, and how amounts cross the wire.

Amounts travel as "100.00" strings made from Decimal: a float never gets near
money. ``raw`` keeps bKash's whole reply for the record (it holds no secrets).
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")


def format_amount(amount: Decimal) -> str:
    """Decimal("100") -> "100.00". Floats and sub-cent or non-positive amounts are refused."""
    if isinstance(amount, float | bool) or not isinstance(amount, Decimal | int):
        raise TypeError("bKash amounts must be Decimal, never float.")
    amount = Decimal(amount)
    if not amount.is_finite() or amount <= 0:
        raise ValueError(f"A bKash amount must be more than zero, not {amount}.")
    quantized = amount.quantize(CENT)
    if quantized != amount:
        raise ValueError(f"A bKash amount has at most two decimal places, not {amount}.")
    return format(quantized, "f")


def parse_amount(value: object) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value)).quantize(CENT)
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class CreatedPayment:
    payment_id: str
    bkash_url: str
    transaction_status: str
    amount: Decimal | None
    invoice_number: str
    raw: dict = field(repr=False, compare=False)


@dataclass(frozen=True)
class PaymentStatus:
    """The answer of execute and of status query: ``trx_id`` is set once Completed."""

    payment_id: str
    transaction_status: str
    trx_id: str | None
    amount: Decimal | None
    currency: str
    invoice_number: str
    payer_reference: str
    customer_msisdn: str
    raw: dict = field(repr=False, compare=False)

    @property
    def is_completed(self) -> bool:
        return self.transaction_status == "Completed" and bool(self.trx_id)


@dataclass(frozen=True)
class Transaction:
    trx_id: str
    transaction_status: str
    amount: Decimal | None
    currency: str
    customer_msisdn: str
    completed_time: str
    raw: dict = field(repr=False, compare=False)


@dataclass(frozen=True)
class Refund:
    original_trx_id: str
    refund_trx_id: str
    transaction_status: str
    amount: Decimal | None
    charge: Decimal | None
    completed_time: str
    raw: dict = field(repr=False, compare=False)
