"""Member photos: checked by content, shrunk to at most 800 px, stored as JPEG
under a random name; anything else is refused and the old photo kept."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.members.photos import MAX_PHOTO_BYTES, prepare_photo
from core.members.services import member_set_photo
from tests.core.members.builders import image_upload, make_member, reload

NOT_AN_IMAGE = "This file is not an image we can read; upload a JPEG, PNG, WebP or GIF photo."
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>'


def _pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (50, 50), "white").save(out, format="PDF")
    return out.getvalue()


def _photo_messages(exc: pytest.ExceptionInfo) -> list[str]:
    return exc.value.message_dict["photo"]


@pytest.mark.parametrize(
    ("fmt", "size", "expected"),
    [("PNG", (1600, 1200), (800, 600)), ("JPEG", (600, 1800), (267, 800)), ("PNG", (300, 200), (300, 200))],
)
def test_real_images_are_resized_and_re_encoded_as_jpeg(fmt, size, expected):
    # given a real image upload
    upload = image_upload(fmt=fmt, size=size, name=f"holiday.{fmt.lower()}")

    # when it is prepared
    content = prepare_photo(upload)

    # then it is a JPEG no larger than 800 px, with its proportions kept
    image = Image.open(io.BytesIO(content.read()))
    assert image.format == "JPEG"
    assert image.size == expected


def test_transparent_png_is_accepted(db):
    content = prepare_photo(image_upload(fmt="PNG", mode="RGBA", size=(100, 100)))
    assert Image.open(io.BytesIO(content.read())).mode == "RGB"


def test_member_photo_is_stored_privately_under_a_random_name(db, media_root, django_capture_on_commit_callbacks):
    # given a member with a photo
    member = make_member()
    with django_capture_on_commit_callbacks(execute=True):
        first = member_set_photo(member=member, upload=image_upload(name="karim-face.png")).photo.name

    # when the photo is replaced
    with django_capture_on_commit_callbacks(execute=True):
        second = member_set_photo(member=member, upload=image_upload(fmt="JPEG", name="karim-new.jpg")).photo.name

    # then each is a JPEG under members/photos/ with a random name (nothing from the upload's name)
    for name in (first, second):
        assert re.fullmatch(r"members/photos/[0-9a-f]{32}\.jpg", name), name
    assert first != second
    stored = media_root / second
    assert Image.open(stored).format == "JPEG"
    assert max(Image.open(stored).size) <= 800
    # and the old file is gone once the change is committed
    assert not (media_root / first).exists()
    assert reload(member).photo.name == second


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.jpg", b"Hello, this is a text file pretending to be a photo.\n" * 20, NOT_AN_IMAGE),
        ("photo.svg", SVG, NOT_AN_IMAGE),
        ("photo.jpg", SVG, NOT_AN_IMAGE),
        ("scan.pdf", None, NOT_AN_IMAGE),
        ("empty.jpg", b"", NOT_AN_IMAGE),
    ],
    ids=["text-named-jpg", "svg", "svg-named-jpg", "pdf", "empty"],
)
def test_files_that_are_not_photos_are_refused_and_the_old_photo_kept(
    db, media_root, django_capture_on_commit_callbacks, name, data, message
):
    # given a member with a photo
    member = make_member()
    with django_capture_on_commit_callbacks(execute=True):
        old = member_set_photo(member=member, upload=image_upload()).photo.name

    # when a file that is not a photo is uploaded
    upload = SimpleUploadedFile(name, _pdf() if data is None else data, content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc, django_capture_on_commit_callbacks(execute=True):
        member_set_photo(member=member, upload=upload)

    # then it is refused with a clear message and the old photo is untouched
    assert _photo_messages(exc) == [message]
    assert reload(member).photo.name == old
    assert (media_root / old).exists()
    assert [p.name for p in (media_root / "members" / "photos").iterdir()] == [old.rsplit("/", 1)[1]]


def test_photo_over_5_mb_is_refused(db):
    # given a real JPEG padded to just over 5 MB
    jpeg = image_upload(fmt="JPEG", size=(100, 100)).read()
    upload = SimpleUploadedFile("big.jpg", jpeg + b"\0" * (MAX_PHOTO_BYTES + 1 - len(jpeg)))

    # when it is prepared, then it is refused, telling the size and the limit
    with pytest.raises(ValidationError) as exc:
        prepare_photo(upload)
    assert _photo_messages(exc) == ["The photo is 5.1 MB; the limit is 5 MB."]


def test_photo_over_5_mb_without_a_declared_size_is_refused(db):
    # given a stream that does not say how big it is
    class Stream(io.BytesIO):
        pass

    jpeg = image_upload(fmt="JPEG", size=(100, 100)).read()
    stream = Stream(jpeg + b"\0" * (MAX_PHOTO_BYTES + 10))

    # when / then
    with pytest.raises(ValidationError) as exc:
        prepare_photo(stream)
    assert _photo_messages(exc) == ["The photo is larger than 5 MB."]


def test_photo_at_exactly_5_mb_is_accepted(db):
    jpeg = image_upload(fmt="JPEG", size=(100, 100)).read()
    upload = SimpleUploadedFile("ok.jpg", jpeg + b"\0" * (MAX_PHOTO_BYTES - len(jpeg)))
    assert Image.open(io.BytesIO(prepare_photo(upload).read())).format == "JPEG"


def test_an_upload_read_before_is_still_checked_from_its_start(db):
    # given an upload that a form already read to the end
    upload = image_upload()
    upload.read()

    # when it is prepared, then the whole image is used
    assert Image.open(io.BytesIO(prepare_photo(upload).read())).size == (800, 600)
