"""Phone numbers for WhatsApp.

GymOS stores phones in E.164 (``core.common.phone``: 01712345678 becomes
+8801712345678). The Cloud API names a recipient by its WhatsApp id, the same
digits without the plus; webhooks send that id back as ``recipient_id``.
"""

import re

from django.core.exceptions import ValidationError

from core.common.phone import normalize_phone

__all__ = ["e164_from_wa_id", "is_bd_mobile", "is_whatsapp_capable", "normalize_phone", "to_wa_id"]

_BD_MOBILE_E164 = re.compile(r"^\+8801[3-9]\d{8}$")
_WA_ID = re.compile(r"^[1-9]\d{7,14}$")


def to_wa_id(raw: str) -> str:
    """The digits the Cloud API expects in ``to``; raises ValidationError for a
    number that is not a phone number (not E.164 and not a Bangladeshi mobile)."""
    return normalize_phone(raw)[1:]


def e164_from_wa_id(wa_id: str) -> str:
    """``8801712345678`` -> ``+8801712345678``; raises ValidationError if it is not digits."""
    digits = (wa_id or "").strip().lstrip("+")
    if not _WA_ID.match(digits):
        raise ValidationError(f"“{wa_id}” is not a WhatsApp id (country code and number, digits only).")
    return "+" + digits


def is_bd_mobile(raw: str) -> bool:
    """True for a Bangladeshi mobile number in any accepted form."""
    try:
        return bool(_BD_MOBILE_E164.match(normalize_phone(raw)))
    except ValidationError:
        return False


def is_whatsapp_capable(raw: str) -> bool:
    """True if the number could have WhatsApp: a valid number that is not a
    Bangladeshi landline (+8802..., which cannot receive WhatsApp messages, so
    reminders to it go by email instead). Whether the person actually uses
    WhatsApp only Meta knows; a send to a number without it fails with a reason."""
    try:
        e164 = normalize_phone(raw)
    except ValidationError:
        return False
    return not e164.startswith("+880") or bool(_BD_MOBILE_E164.match(e164))
