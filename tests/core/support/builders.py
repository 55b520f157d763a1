"""Test data for tickets and leads, built through the services, plus a
private media folder per test. Shared by tests/core/{leads,support},
tests/portal and tests/admin_site."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.leads.models import Lead
from core.leads.services import lead_create
from core.support.models import Ticket
from core.support.services import ticket_open
from fixtures.factories import MemberFactory

NOT_AN_IMAGE = "This file is not an image we can read; upload a JPEG, PNG or WebP image."


def image_upload(*, fmt: str = "PNG", size=(64, 48), name: str = "screenshot.png", exif: bytes | None = None):
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif else {}
    Image.new("RGB", size, color=(30, 120, 200)).save(out, format=fmt, **kwargs)
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{fmt.lower()}")


def text_as_png() -> SimpleUploadedFile:
    return SimpleUploadedFile("screenshot.png", b"<script>alert(1)</script> not an image\n", content_type="image/png")


def open_ticket(member=None, *, subject: str = "Shower is cold", body: str = "No hot water since Monday.", **kw):
    member = member or MemberFactory()
    return ticket_open(
        member=member, subject=subject, category=kw.pop("category", Ticket.Category.FACILITIES), body=body,
        by=member.user, **kw,
    )  # fmt: skip


def make_lead(**overrides) -> Lead:
    data = {
        "name": "Nadia Karim",
        "email": "nadia@example.com",
        "phone": "01712 345678",
        "heard_from": Lead.HeardFrom.FRIEND,
        "consent": True,
        "goals": "Get stronger.",
    }
    data.update(overrides)
    return lead_create(**data)


@pytest.fixture
def private_media(settings, tmp_path):
    """Uploaded files go to a temporary private folder for the test."""
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": None},
        },
    }
    return tmp_path


def stored_files(root) -> list:
    folder = root / "support" / "attachments"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def sidebar_link(body: str, href: str) -> str:
    """The text of the sidebar entry linking to ``href`` (title and badge), whitespace squeezed."""
    match = re.search(rf'<a href="{href}" class="flex h-\[38px\][^"]*">(.*?)</a>', body, re.S)
    assert match, f"no sidebar link to {href}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())
