"""Phone numbers are stored in E.164 (+8801712345678). Local Bangladeshi
forms (01712345678, 8801712345678, with spaces or dashes) are accepted."""

import re

from django.core.exceptions import ValidationError

_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_BD_MOBILE = re.compile(r"^(?:\+?88)?(01[3-9]\d{8})$")


def normalize_phone(raw: str) -> str:
    """Return the E.164 form or raise ValidationError with an example."""
    cleaned = re.sub(r"[\s\-().]", "", raw or "")
    if not cleaned:
        raise ValidationError("Enter a phone number.")
    bd = _BD_MOBILE.match(cleaned)
    if bd:
        return "+88" + bd.group(1)
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    if _E164.match(cleaned):
        return cleaned
    raise ValidationError(
        f"“{raw}” is not a phone number we can use. Write it like 01712345678 or, for other countries, +447700900123."
    )


def validate_phone(raw: str) -> None:
    normalize_phone(raw)
