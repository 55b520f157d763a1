"""Certifications: PDF or image only, by content, at most 10 MB; the
expiring list and its daily digest section."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.notifications.digest import digest_content
from core.staff.models import Certification
from core.staff.selectors import certifications_expiring
from core.staff.services.accounts import staff_deactivate
from core.staff.services.certifications import certification_add, certification_remove, certification_update
from tests.core.staff.builders import fake_pdf_upload, huge_pdf_upload, pdf_upload, png_upload
from tests.core.staff.conftest import MONDAY

pytestmark = pytest.mark.django_db


def add(trainer, upload=None, *, by=None, title="ACE Personal Trainer", expires_on=None):
    return certification_add(
        trainer=trainer, title=title, issuer="ACE", expires_on=expires_on, upload=upload, by=by or trainer.user
    )


@pytest.mark.parametrize(("upload", "content_type", "ext"), [(pdf_upload, "application/pdf", "pdf"),
                                                               (png_upload, "image/png", "png")])  # fmt: skip
def test_a_pdf_or_an_image_is_stored_privately_under_a_random_name(tanvir, upload, content_type, ext):
    # when
    certification = add(tanvir, upload())
    # then
    assert certification.file_type == content_type
    assert certification.file.name.startswith("staff/certifications/") and certification.file.name.endswith(f".{ext}")
    assert "certificate" not in certification.file.name
    with certification.file.open("rb") as handle:
        head = handle.read(8)
    assert head.startswith(b"%PDF-") if ext == "pdf" else head.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("upload", "text"),
    [
        (fake_pdf_upload, "neither a PDF nor an image"),
        (lambda: SimpleUploadedFile("cv.docx", b"PK\x03\x04" + b"0" * 200), "neither a PDF nor an image"),
        (lambda: SimpleUploadedFile("cert.pdf", b"%PDF-1.4\n1 0 obj << >> endobj\n"), "damaged or incomplete"),
        (lambda: SimpleUploadedFile("cert.gif", b"GIF89a" + b"\x00" * 64), "neither a PDF nor an image"),
        (huge_pdf_upload, "the limit is 10 MB"),
    ],
)
def test_anything_else_is_refused_with_a_clear_message(tanvir, upload, text):
    with pytest.raises(ValidationError) as exc:
        add(tanvir, upload())
    assert text in exc.value.message_dict["file"][0]
    assert not Certification.objects.exists()


def test_a_trainer_cannot_add_to_another_trainers_profile(tanvir, nusrat):
    with pytest.raises(PermissionDenied):
        add(nusrat, pdf_upload(), by=tanvir.user)


def test_update_replaces_the_file_and_remove_deletes_it(tanvir, django_capture_on_commit_callbacks):
    # given
    certification = add(tanvir, pdf_upload())
    old = certification.file.name
    storage = certification.file.storage
    # when
    with django_capture_on_commit_callbacks(execute=True):
        updated = certification_update(
            certification=certification, by=tanvir.user, title="ACE CPT", upload=png_upload()
        )
    # then
    assert updated.title == "ACE CPT" and updated.file_type == "image/png"
    assert not storage.exists(old)
    with django_capture_on_commit_callbacks(execute=True):
        certification_remove(certification=updated, by=tanvir.user)
    assert not storage.exists(updated.file.name)
    assert not Certification.objects.exists()


def test_expiring_lists_active_trainers_certificates_within_30_days(tanvir, nusrat, staff):
    # given
    soon = add(tanvir, title="First aid", expires_on=MONDAY + datetime.timedelta(days=20))
    add(tanvir, title="Old", expires_on=MONDAY - datetime.timedelta(days=1))
    add(tanvir, title="Later", expires_on=MONDAY + datetime.timedelta(days=31))
    add(tanvir, title="Forever")
    add(nusrat, title="Gone trainer", expires_on=MONDAY + datetime.timedelta(days=3))
    staff_deactivate(user=nusrat.user, by=staff)
    # then
    assert list(certifications_expiring(days=30, today=MONDAY)) == [soon]
    section = next(s for s in digest_content(today=MONDAY) if s["name"] == "certifications_expiring")
    assert section["summary"] == "1 certification"
    assert section["lines"] == ["Tanvir " + tanvir.user.last_name + ": First aid, ACE expires in 20 days (Sun 22 Mar)"]
