"""Renders an outbox Message into an email. Templates live with their app at
``templates/emails/<template>/{subject.txt,body.txt,body.html}``."""

import mimetypes
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.storage import default_storage
from django.template.loader import render_to_string


@dataclass
class RenderedEmail:
    subject: str
    text: str
    html: str
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


def base_context() -> dict:
    return {
        "gym_name": settings.GYM_NAME,
        "gym_address": settings.GYM_ADDRESS,
        "gym_phone": settings.GYM_PHONE,
        "site_url": settings.SITE_URL.rstrip("/"),
    }


def render_email(template: str, context: dict, attachments: list[dict] | None = None) -> RenderedEmail:
    ctx = {**base_context(), **context}
    prefix = f"emails/{template}"
    subject = " ".join(render_to_string(f"{prefix}/subject.txt", ctx).split())
    text = render_to_string(f"{prefix}/body.txt", ctx)
    html = render_to_string(f"{prefix}/body.html", ctx)
    files = []
    for item in attachments or []:
        with default_storage.open(item["path"], "rb") as fh:
            content = fh.read()
        mimetype = item.get("mimetype") or mimetypes.guess_type(item["filename"])[0] or "application/octet-stream"
        files.append((item["filename"], content, mimetype))
    return RenderedEmail(subject=subject[:255], text=text, html=html, attachments=files)
