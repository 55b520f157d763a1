"""Money is Decimal with two places in the gym's currency (settings.CURRENCY)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

CENT = Decimal("0.01")
CURRENCY_SYMBOLS = {"BDT": "\u09f3", "USD": "$", "EUR": "\u20ac", "GBP": "\u00a3", "INR": "\u20b9"}


def to_money(value: object) -> Decimal:
    """Parse a number or string into a 2-place Decimal; floats are refused."""
    if isinstance(value, float):
        raise TypeError("Money must not be a float; pass a Decimal or a string.")
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(f"“{value}” is not an amount of money.") from exc
    if not amount.is_finite():
        raise ValidationError(f"“{value}” is not an amount of money.")
    try:
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:  # more digits than Decimal's precision, e.g. "1E+40"
        raise ValidationError(f"“{value}” is not an amount of money.") from exc


def currency_symbol(currency: str | None = None) -> str:
    code = currency or settings.CURRENCY
    return CURRENCY_SYMBOLS.get(code, code + " ")


def format_money(amount: Decimal | None, currency: str | None = None) -> str:
    """'৳1,250.00' for BDT; negative amounts as '-৳50.00'."""
    if amount is None:
        return ""
    amount = to_money(amount)
    sign = "-" if amount < 0 else ""
    return f"{sign}{currency_symbol(currency)}{abs(amount):,.2f}"


class MoneyField(models.DecimalField):
    """DecimalField(12, 2): up to 9,999,999,999.99 in the gym's currency."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "core.common.money.MoneyField", args, kwargs
