"""Trainer certifications: a PDF or an image (checked by content, at most
10 MB), stored under a random private name."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.accounts.models import User
from core.common.uploads import MAX_DOCUMENT_BYTES, check_document
from core.staff.models import Certification, Trainer


def may_manage_certifications(by: User, trainer: Trainer) -> bool:
    """The trainer themselves, or staff allowed to add certifications."""
    if by.pk == trainer.user_id and by.is_active:
        return True
    return by.is_staff and by.has_perm("staff.add_certification")


@transaction.atomic
def certification_add(
    *,
    trainer: Trainer,
    title: str,
    issuer: str = "",
    expires_on: datetime.date | None = None,
    upload=None,
    by: User,
) -> Certification:
    """Add a certificate to a trainer's profile. ``upload`` (optional) must be
    a PDF or a JPEG/PNG/WebP image of at most 10 MB, whatever its name says."""
    if not may_manage_certifications(by, trainer):
        raise PermissionDenied("You can only add certifications to your own profile.")
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Give the certification a title, e.g. “ACE Personal Trainer”."})
    certification = Certification(
        trainer=trainer, title=title, issuer=(issuer or "").strip(), expires_on=expires_on, uploaded_by=by
    )
    if upload:
        checked = check_document(upload, field="file", noun="certificate", max_bytes=MAX_DOCUMENT_BYTES)
        certification.file.save(f"certificate.{checked.extension}", checked.file, save=False)
        certification.file_type = checked.content_type
    certification._history_user = by
    try:
        certification.full_clean()
    except ValidationError:
        if certification.file:
            certification.file.delete(save=False)
        raise
    certification.save()
    return certification


@transaction.atomic
def certification_remove(*, certification: Certification, by: User) -> None:
    """Remove a certificate and its file (the trainer or staff)."""
    if not may_manage_certifications(by, certification.trainer):
        raise PermissionDenied("You can only remove certifications from your own profile.")
    name, storage = certification.file.name, certification.file.storage
    certification._history_user = by
    certification.delete()
    if name:
        # Delete the file only once the row is gone for good.
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def certification_update(
    *,
    certification: Certification,
    by: User,
    title: str,
    issuer: str = "",
    expires_on: datetime.date | None = None,
    upload=None,
) -> Certification:
    """Correct a certificate's details or replace its file (same checks as adding)."""
    certification = Certification.objects.select_for_update().select_related("trainer").get(pk=certification.pk)
    if not may_manage_certifications(by, certification.trainer):
        raise PermissionDenied("You can only change certifications on your own profile.")
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Give the certification a title, e.g. “ACE Personal Trainer”."})
    certification.title, certification.issuer, certification.expires_on = title, (issuer or "").strip(), expires_on
    old_name, storage = certification.file.name, certification.file.storage
    if upload:
        checked = check_document(upload, field="file", noun="certificate", max_bytes=MAX_DOCUMENT_BYTES)
        certification.file.save(f"certificate.{checked.extension}", checked.file, save=False)
        certification.file_type = checked.content_type
        certification.uploaded_by = by
    certification._history_user = by
    certification.full_clean()
    certification.save()
    if upload and old_name:
        transaction.on_commit(lambda: storage.delete(old_name))
    return certification
