"""Uploaded documents (certificates, scans) checked by what they contain,
never by their name or the content type the browser claims.

A document is a PDF or an image. A PDF must start with the PDF header and end
with the end-of-file marker (what every PDF writer produces; an HTML page or a
program renamed to .pdf has neither). An image must decode as JPEG, PNG or
WebP and is re-encoded in its own format, which drops metadata and anything
appended after the image data. PDFs are kept byte for byte: they are only ever
served as downloads with ``X-Content-Type-Options: nosniff``.
"""

import io
import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from core.common.images import CONTENT_TYPES, open_image

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_IMAGE_FORMATS = ("JPEG", "PNG", "WEBP")
PDF_CONTENT_TYPE = "application/pdf"
# PDF readers accept the header within the first 1024 bytes and the marker within the last 1024.
_PDF_HEADER = b"%PDF-"
_PDF_EOF = b"%%EOF"
_WINDOW = 1024
_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


@dataclass(frozen=True)
class CheckedDocument:
    file: ContentFile
    content_type: str
    extension: str


def _megabytes(size: int) -> float:
    # Rounded up: 10 MB and a few bytes must not read "10.0 MB; the limit is 10 MB".
    return math.ceil(size * 10 / 1048576) / 10


def _read_limited(upload, *, field: str, noun: str, max_bytes: int) -> bytes:
    limit = f"{max_bytes / 1048576:g} MB"
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError({field: f"The {noun} is {_megabytes(size):.1f} MB; the limit is {limit}."})
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError({field: f"The {noun} is larger than {limit}."})
    if not data:
        raise ValidationError({field: f"The {noun} is empty; choose the file again."})
    return data


def looks_like_pdf(data: bytes) -> bool:
    return _PDF_HEADER in data[:_WINDOW] and _PDF_EOF in data[-_WINDOW:]


def check_document(
    upload, *, field: str = "file", noun: str = "file", max_bytes: int = MAX_DOCUMENT_BYTES
) -> CheckedDocument:
    """A PDF or an image (JPEG, PNG, WebP) of at most ``max_bytes``, checked by
    content. Returns the file to store, its content type and extension; raises
    ValidationError({field: ...}) with a message the uploader can act on."""
    data = _read_limited(upload, field=field, noun=noun, max_bytes=max_bytes)
    if _PDF_HEADER in data[:_WINDOW]:
        if not looks_like_pdf(data):
            raise ValidationError({field: f"This PDF is damaged or incomplete; export the {noun} again and retry."})
        return CheckedDocument(ContentFile(data, name="document.pdf"), PDF_CONTENT_TYPE, "pdf")
    try:
        image, fmt = open_image(
            io.BytesIO(data), field=field, noun=noun, formats=DOCUMENT_IMAGE_FORMATS, max_bytes=max_bytes
        )
    except ValidationError as exc:
        neither = f"This file is neither a PDF nor an image we can read; upload the {noun} as a PDF, JPEG, PNG or WebP."
        raise ValidationError({field: neither}) from exc
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=90, optimize=True)
    elif fmt == "PNG":
        image.save(out, format="PNG", optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        image.save(out, format="WEBP", quality=90)
    extension = _EXTENSIONS[fmt]
    return CheckedDocument(ContentFile(out.getvalue(), name=f"document.{extension}"), CONTENT_TYPES[fmt], extension)
