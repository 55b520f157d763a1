"""Uploaded images are checked by what they contain, never by their name or
the content type the browser claims: Pillow must recognise and decode the
bytes as one of the allowed formats. Callers re-encode what they keep, which
also drops metadata (GPS location) and anything appended after the image.

Messages name the upload as the caller does ("photo", "image") and are keyed
by the caller's field, so a form shows them beside the right input."""

import io
import math
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
# Refuse decompression bombs well before Pillow's own limit.
MAX_PIXELS = 40_000_000
FORMAT_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError)


def formats_text(formats: Sequence[str]) -> str:
    """("JPEG", "PNG", "WEBP") -> "JPEG, PNG or WebP"."""
    names = [FORMAT_NAMES.get(f, f) for f in formats]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _megabytes(size: int) -> float:
    # Rounded up: 5 MB and a few bytes must not read "5.0 MB; the limit is 5 MB".
    return math.ceil(size * 10 / 1048576) / 10


def open_image(
    upload, *, field: str, noun: str, formats: Sequence[str], max_bytes: int = MAX_IMAGE_BYTES
) -> tuple[Image.Image, str]:
    """Read ``upload`` (at most ``max_bytes``), check it decodes as one of
    ``formats`` and return the decoded, upright image and its format.
    Raises ValidationError({field: ...}) with a message a member understands."""
    limit = f"{max_bytes / 1048576:g} MB"
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError({field: f"The {noun} is {_megabytes(size):.1f} MB; the limit is {limit}."})
    if hasattr(upload, "seek"):
        upload.seek(0)  # a form may have read it already
    # Never read more than the limit (+1 to notice a file without a declared size that is too big).
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError({field: f"The {noun} is larger than {limit}."})
    not_an_image = f"This file is not an image we can read; upload a {formats_text(formats)} {noun}."
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            probe.verify()
        if fmt not in formats:
            shown = FORMAT_NAMES.get(fmt, fmt)
            raise ValidationError({field: f"{shown} images are not accepted; upload a {formats_text(formats)}."})
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise ValidationError({field: f"The image is too large (too many pixels); upload a normal {noun}."})
        image.load()  # decode now: a truncated file fails here, not later while saving
        image = ImageOps.exif_transpose(image)
    except ValidationError:
        raise
    except _DECODE_ERRORS as exc:
        raise ValidationError({field: not_an_image}) from exc
    return image, fmt
