"""Money helpers: Decimal with two places; floats refused; shown with the
currency symbol (৳ for BDT), negatives as -৳."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.common.money import format_money, to_money


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1250", Decimal("1250.00")),
        ("1,250.5", Decimal("1250.50")),
        (" 99.995 ", Decimal("100.00")),  # half up
        ("0.004", Decimal("0.00")),
        ("-50", Decimal("-50.00")),
        (1500, Decimal("1500.00")),
        (Decimal("12.345"), Decimal("12.35")),
        ("1e3", Decimal("1000.00")),
    ],
)
def test_to_money_gives_two_place_decimals(value, expected):
    result = to_money(value)
    assert result == expected
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize("value", [0.1, 1500.0, float("nan")])
def test_to_money_refuses_floats(value):
    with pytest.raises(TypeError, match="must not be a float"):
        to_money(value)


@pytest.mark.parametrize("value", ["abc", "", "12,50 taka", "NaN", "Infinity", "-inf", None, "1E+40"])
def test_to_money_refuses_what_is_not_an_amount(value):
    with pytest.raises(ValidationError, match="is not an amount of money"):
        to_money(value)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("1250"), None, "\u09f31,250.00"),
        (Decimal("0"), None, "\u09f30.00"),
        (Decimal("-50"), None, "-\u09f350.00"),
        (Decimal("-0.004"), None, "\u09f30.00"),
        (Decimal("1234567.891"), None, "\u09f31,234,567.89"),
        (Decimal("20"), "USD", "$20.00"),
        (Decimal("20"), "JPY", "JPY 20.00"),
        (None, None, ""),
    ],
)
def test_format_money(amount, currency, expected, settings):
    settings.CURRENCY = "BDT"
    assert format_money(amount, currency) == expected


def test_format_money_refuses_floats():
    with pytest.raises(TypeError):
        format_money(12.5)
