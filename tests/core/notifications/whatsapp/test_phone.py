import pytest
from django.core.exceptions import ValidationError

from core.notifications.whatsapp.phone import e164_from_wa_id, is_bd_mobile, is_whatsapp_capable, to_wa_id


@pytest.mark.parametrize(
    ("raw", "wa_id"),
    [
        ("01712345678", "8801712345678"),
        ("017-1234 5678", "8801712345678"),
        ("8801712345678", "8801712345678"),
        ("+8801712345678", "8801712345678"),
        ("+880 1712-345678", "8801712345678"),
        ("+447700900123", "447700900123"),
        ("00447700900123", "447700900123"),
    ],
)
def test_to_wa_id_gives_the_digits_whatsapp_wants(raw, wa_id):
    assert to_wa_id(raw) == wa_id


@pytest.mark.parametrize("raw", ["", "0171234", "01212345678", "abc", "+0123456789", "+1234567890123456"])
def test_to_wa_id_refuses_what_is_not_a_phone_number(raw):
    with pytest.raises(ValidationError):
        to_wa_id(raw)


def test_e164_from_wa_id_adds_the_plus_and_checks_digits():
    assert e164_from_wa_id("8801712345678") == "+8801712345678"
    with pytest.raises(ValidationError):
        e164_from_wa_id("88017-abc")


@pytest.mark.parametrize(
    ("raw", "bd_mobile", "capable"),
    [
        ("01712345678", True, True),
        ("+8801912345678", True, True),
        ("+88029876543", False, False),  # Dhaka landline
        ("+447700900123", False, True),
        ("not a number", False, False),
    ],
)
def test_whatsapp_capability(raw, bd_mobile, capable):
    assert (is_bd_mobile(raw), is_whatsapp_capable(raw)) == (bd_mobile, capable)
