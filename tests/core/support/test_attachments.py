"""Ticket images: checked by content (JPEG, PNG, WebP up to 5 MB), re-encoded
without metadata, stored privately under a random name; anything else is
refused with a clear message and nothing is written (no ticket, no file)."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.common.images import MAX_IMAGE_BYTES
from core.support.models import Ticket, TicketReply
from core.support.services import ticket_reply
from fixtures.factories import MemberFactory
from tests.core.support.builders import NOT_AN_IMAGE, image_upload, open_ticket, stored_files, text_as_png

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")]
)
def test_an_image_is_kept_in_its_format_under_a_random_private_name(private_media, fmt, content_type):
    # when a member opens a ticket with a picture called after themselves
    ticket = open_ticket(attachment=image_upload(fmt=fmt, name=f"karim-bill.{fmt.lower()}"))

    # then it is stored under support/attachments/ with a random name and its checked type
    reply = ticket.replies.get()
    assert re.fullmatch(r"support/attachments/[0-9a-f]{32}\.(png|jpeg|jpg|webp)", reply.attachment.name)
    assert reply.attachment_type == content_type
    assert Image.open(private_media / reply.attachment.name).format == fmt


def test_location_metadata_is_removed(private_media):
    # given a JPEG carrying EXIF data (GPS would be here)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (23.0, 48.0, 0.0)}  # GPSInfo: latitude
    upload = image_upload(fmt="JPEG", name="photo.jpg", exif=exif.tobytes())
    assert Image.open(io.BytesIO(upload.read())).getexif()

    # when
    reply = open_ticket(attachment=upload).replies.get()

    # then the stored image has none
    assert not Image.open(private_media / reply.attachment.name).getexif()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (text_as_png(), NOT_AN_IMAGE),
        (SimpleUploadedFile("x.png", b""), NOT_AN_IMAGE),
        (image_upload(fmt="GIF", name="anim.gif"), "GIF images are not accepted; upload a JPEG, PNG or WebP."),
        (image_upload(fmt="BMP", name="scan.bmp"), "BMP images are not accepted; upload a JPEG, PNG or WebP."),
    ],
    ids=["text-named-png", "empty", "gif", "bmp"],
)
def test_a_file_that_is_not_an_accepted_image_is_refused_and_nothing_is_written(private_media, upload, message):
    # when
    with pytest.raises(ValidationError) as exc:
        open_ticket(attachment=upload)

    # then
    assert exc.value.message_dict == {"attachment": [message]}
    assert Ticket.objects.count() == 0
    assert stored_files(private_media) == []


def test_an_image_over_5_mb_is_refused(private_media):
    png = image_upload().read()
    upload = SimpleUploadedFile("big.png", png + b"\0" * (MAX_IMAGE_BYTES + 1 - len(png)))
    with pytest.raises(ValidationError) as exc:
        open_ticket(attachment=upload)
    assert exc.value.message_dict == {"attachment": ["The image is 5.1 MB; the limit is 5 MB."]}


def test_a_refused_reply_leaves_the_ticket_as_it_was(private_media, support_user):
    # given
    ticket = open_ticket(MemberFactory())

    # when staff reply with a text file as image
    with pytest.raises(ValidationError):
        ticket_reply(ticket=ticket, author=support_user, body="See attached", attachment=text_as_png())

    # then
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert TicketReply.objects.filter(ticket=ticket).count() == 1
    assert stored_files(private_media) == []
