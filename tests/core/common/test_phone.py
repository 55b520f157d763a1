"""Phone numbers: Bangladeshi local forms and E.164 in, E.164 out; garbage
refused with an example of what to write."""

import pytest
from django.core.exceptions import ValidationError

from core.common.phone import normalize_phone, validate_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("01712345678", "+8801712345678"),
        ("017 1234 5678", "+8801712345678"),
        ("01712-345678", "+8801712345678"),
        ("(017) 12.34.56.78", "+8801712345678"),
        ("8801712345678", "+8801712345678"),
        ("+8801712345678", "+8801712345678"),
        ("+880 1912-345678", "+8801912345678"),
        ("008801312345678", "+8801312345678"),
        ("+447700900123", "+447700900123"),
        ("0044 7700 900123", "+447700900123"),
        ("+1 (415) 555-2671", "+14155552671"),
    ],
)
def test_accepted_forms_are_stored_in_e164(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "call me",
        "0171234567",  # one digit short
        "017123456789",  # one digit too many
        "01212345678",  # no such operator prefix
        "1712345678",
        "+0123456789",
        "+1234567",  # too short for E.164
        "+1234567890123456",  # too long for E.164
        "01712345678 ext 5",
    ],
)
def test_garbage_is_refused_with_an_example(raw):
    with pytest.raises(ValidationError) as exc:
        normalize_phone(raw)
    message = exc.value.messages[0]
    assert raw in message
    assert "01712345678" in message and "+447700900123" in message


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_empty_is_refused(raw):
    with pytest.raises(ValidationError, match="Enter a phone number"):
        normalize_phone(raw)


def test_validate_phone_is_the_model_field_validator():
    validate_phone("01712345678")
    with pytest.raises(ValidationError):
        validate_phone("not a phone")
