"""Member photos: checked by content (not by name), shrunk, re-encoded as JPEG.
Re-encoding also strips metadata such as GPS location."""

import io
import math

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_SIDE = 800
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
# Refuse decompression bombs well before Pillow's own limit.
MAX_PIXELS = 40_000_000


def prepare_photo(upload) -> ContentFile:
    """Validate an uploaded file as an image and return a resized JPEG."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_PHOTO_BYTES:
        # Rounded up: 5 MB and a few bytes must not read "5.0 MB; the limit is 5 MB".
        shown = math.ceil(size * 10 / 1048576) / 10
        raise ValidationError({"photo": f"The photo is {shown:.1f} MB; the limit is 5 MB."})
    if hasattr(upload, "seek"):
        upload.seek(0)  # a form may have read it already
    # Never read more than the limit (+1 to notice a file without a declared size that is too big).
    data = upload.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationError({"photo": "The photo is larger than 5 MB."})
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            probe.verify()
        if fmt not in ALLOWED_FORMATS:
            raise ValidationError({"photo": f"{fmt} images are not accepted; upload a JPEG, PNG, WebP or GIF."})
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise ValidationError({"photo": "The image is too large (too many pixels); upload a normal photo."})
        image = ImageOps.exif_transpose(image)
        image.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=85, optimize=True)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            {"photo": "This file is not an image we can read; upload a JPEG, PNG, WebP or GIF photo."}
        ) from exc
    return ContentFile(out.getvalue(), name="photo.jpg")
