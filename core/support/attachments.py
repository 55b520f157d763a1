"""Ticket attachments: screenshots and photos only (JPEG, PNG, WebP, at most
5 MB), checked by content and re-encoded in their own format, which drops
metadata (GPS location) and anything hidden after the image data."""

import io

from django.core.files.base import ContentFile

from core.common.images import CONTENT_TYPES, MAX_IMAGE_BYTES, open_image

ATTACHMENT_FORMATS = ("JPEG", "PNG", "WEBP")
# Big enough for a phone screenshot to stay readable.
MAX_ATTACHMENT_SIDE = 2560


def prepare_attachment(upload, *, field: str = "attachment") -> tuple[ContentFile, str]:
    """Return the re-encoded image and its content type, or raise ValidationError({field: ...})."""
    image, fmt = open_image(upload, field=field, noun="image", formats=ATTACHMENT_FORMATS, max_bytes=MAX_IMAGE_BYTES)
    image.thumbnail((MAX_ATTACHMENT_SIDE, MAX_ATTACHMENT_SIDE))
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=85, optimize=True)
    elif fmt == "PNG":
        image.save(out, format="PNG", optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB")
        image.save(out, format="WEBP", quality=85)
    return ContentFile(out.getvalue(), name=f"attachment.{fmt.lower()}"), CONTENT_TYPES[fmt]
