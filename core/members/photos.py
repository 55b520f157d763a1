"""Member photos: checked by content (not by name), shrunk, re-encoded as JPEG.
Re-encoding also strips metadata such as GPS location."""

import io

from django.core.files.base import ContentFile

from core.common.images import MAX_IMAGE_BYTES, open_image

MAX_PHOTO_BYTES = MAX_IMAGE_BYTES
MAX_PHOTO_SIDE = 800
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


def prepare_photo(upload) -> ContentFile:
    """Validate an uploaded file as an image and return a resized JPEG."""
    image, _fmt = open_image(upload, field="photo", noun="photo", formats=ALLOWED_FORMATS, max_bytes=MAX_PHOTO_BYTES)
    image.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name="photo.jpg")
