"""Reading emails the way a person would: the password or link in the text."""

import re
from pathlib import Path

from django.core.mail import EmailMultiAlternatives

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

_TEMP_PASSWORD = re.compile(r"Temporary password:\s+(\S+)")
_LINK = re.compile(r"https?://\S+")


def temp_password_from(email: EmailMultiAlternatives) -> str:
    return temp_password_in(email.body)


def temp_password_in(text: str) -> str:
    match = _TEMP_PASSWORD.search(text)
    assert match, f"no temporary password in the email text:\n{text}"
    return match.group(1)


def links_in(text: str) -> list[str]:
    return _LINK.findall(text)


def html_part(email: EmailMultiAlternatives) -> str:
    htmls = [content for content, mimetype in email.alternatives if mimetype == "text/html"]
    assert len(htmls) == 1, f"expected one HTML part, got {len(htmls)}"
    return htmls[0]


def with_test_templates(templates: list[dict]) -> list[dict]:
    """settings.TEMPLATES plus tests/support/templates (the "test_message" email)."""
    first = {**templates[0], "DIRS": [*templates[0]["DIRS"], TEMPLATES_DIR]}
    return [first, *templates[1:]]
