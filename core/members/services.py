"""Members: creating (with a login), editing, photos, soft delete and restore,
suspension. The status rule itself lives in core.memberships."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.accounts.services import user_activate, user_deactivate, user_provision
from core.common.past_figures import term_figures_changed
from core.common.phone import normalize_phone
from core.common.services import audit_record, counter_next
from core.members.models import Member
from core.members.photos import prepare_photo
from core.memberships.services import member_refresh_status

CODE_COUNTER = "member_code"
# Fields staff may edit directly on a profile.
PROFILE_FIELDS = {
    "phone", "whatsapp_opt_in", "date_of_birth", "address", "emergency_contact_name", "emergency_contact_relation",
    "emergency_contact_phone", "health_notes", "biometric_id", "assigned_trainer", "joined_on",
}  # fmt: skip


def member_next_code() -> str:
    """M00001, M00002...: from a locked counter, so a code is never reused."""
    return f"M{counter_next(name=CODE_COUNTER):05d}"


def _clean_profile(fields: dict) -> dict:
    for name in ("phone", "emergency_contact_phone"):
        if fields.get(name):
            try:
                fields[name] = normalize_phone(fields[name])
            except ValidationError as exc:
                raise ValidationError({name: exc.messages}) from exc
    if fields.get("biometric_id") == "":
        fields["biometric_id"] = None
    trainer = fields.get("assigned_trainer")
    if trainer is not None and trainer.role != User.Role.TRAINER:
        raise ValidationError({"assigned_trainer": f"{trainer} is not a trainer."})
    dob = fields.get("date_of_birth")
    if dob is not None and not (datetime.date(1900, 1, 1) <= dob <= timezone.localdate()):
        raise ValidationError({"date_of_birth": "The date of birth must be a real date in the past."})
    return fields


@transaction.atomic
def member_create(
    *,
    email: str,
    first_name: str,
    last_name: str = "",
    by: User | None = None,
    health_flags=(),
    photo=None,
    **profile,
) -> Member:
    """Create a member and their login; the welcome email carries a temporary password."""
    unknown = set(profile) - PROFILE_FIELDS
    if unknown:
        raise TypeError(f"Unknown member fields: {', '.join(sorted(unknown))}")
    profile = _clean_profile(profile)
    user = user_provision(
        email=email, first_name=first_name, last_name=last_name, role=User.Role.MEMBER, provisioned_by=by
    )
    return member_create_for_user(user=user, by=by, health_flags=health_flags, photo=photo, **profile)


@transaction.atomic
def member_create_for_user(*, user: User, by: User | None = None, health_flags=(), photo=None, **profile) -> Member:
    """Give an existing member login its profile (demo data; people who already have an account)."""
    unknown = set(profile) - PROFILE_FIELDS
    if unknown:
        raise TypeError(f"Unknown member fields: {', '.join(sorted(unknown))}")
    if user.role != User.Role.MEMBER:
        raise ValidationError(f"{user.email} is not a member account.")
    if Member.all_objects.filter(user=user).exists():
        raise ValidationError(f"{user.email} already has a member profile.")
    profile = _clean_profile(profile)
    profile["joined_on"] = profile.get("joined_on") or timezone.localdate()
    member = Member(user=user, code=member_next_code(), **profile)
    member.full_clean(exclude=["user"])
    member.save()
    if health_flags:
        member.health_flags.set(health_flags)
    if photo is not None:
        member_set_photo(member=member, upload=photo)
    audit_record(action="member.created", summary=f"Member {member.code} created", obj=member, actor=by)
    return member


@transaction.atomic
def member_update(*, member: Member, by: User | None = None, health_flags=None, **fields) -> Member:
    """Edit a profile. Name and email are the login's and change through the accounts service."""
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise TypeError(f"Unknown member fields: {', '.join(sorted(unknown))}")
    member = Member.all_objects.select_for_update().get(pk=member.pk)
    if member.purged_at:
        raise ValidationError("This member's personal data was removed; the profile cannot be edited.")
    for name, value in _clean_profile(fields).items():
        setattr(member, name, value)
    member.full_clean(exclude=["user"])
    member.save()
    if health_flags is not None:
        member.health_flags.set(health_flags)
    return member


@transaction.atomic
def member_set_photo(*, member: Member, upload) -> Member:
    """Replace the photo; the file is checked by content and re-encoded."""
    content = prepare_photo(upload)
    member = Member.all_objects.select_for_update().get(pk=member.pk)
    old = member.photo.name if member.photo else None
    member.photo.save(content.name, content, save=False)
    member.save(update_fields=["photo", "updated_at"])
    if old:
        storage = member.photo.storage
        transaction.on_commit(lambda: storage.delete(old))
    return member


def member_terms_recount(*, member: Member) -> None:
    """The member left the books or came back: the reports count a deleted member's terms in no
    month, so the cached past months their terms covered change."""
    first = member.memberships.order_by("starts_on").values_list("starts_on", flat=True).first()
    if first is not None:
        term_figures_changed(starts_on=first)


@transaction.atomic
def member_soft_delete(*, member: Member, by: User | None = None, reason: str = "") -> Member:
    """Hide a member everywhere; their payments and history stay. Admins can restore."""
    member = Member.all_objects.select_for_update().get(pk=member.pk)
    if member.deleted_at:
        raise ValidationError(f"{member.code} is already deleted.")
    member.deleted_at = timezone.now()
    member.status = Member.Status.INACTIVE
    member.status_changed_at = member.deleted_at
    member.save(update_fields=["deleted_at", "status", "status_changed_at", "updated_at"])
    member_terms_recount(member=member)
    if member.user_id and member.user.is_active:
        user_deactivate(user=member.user)
    audit_record(
        action="member.deleted", summary=f"Member {member.code} deleted. {reason}".strip(), obj=member, actor=by
    )
    return member


@transaction.atomic
def member_restore(*, member: Member, by: User | None = None) -> Member:
    member = Member.all_objects.select_for_update().get(pk=member.pk)
    if not member.deleted_at:
        raise ValidationError(f"{member.code} is not deleted.")
    if member.purged_at:
        raise ValidationError(f"{member.code}'s personal data was removed; the member cannot be restored.")
    member.deleted_at = None
    member.save(update_fields=["deleted_at", "updated_at"])
    member_terms_recount(member=member)
    if member.user_id:
        user_activate(user=member.user)
    audit_record(action="member.restored", summary=f"Member {member.code} restored", obj=member, actor=by)
    return member_refresh_status(member=member)


@transaction.atomic
def member_suspend(*, member: Member, reason: str, by: User | None = None) -> Member:
    """Deactivate by hand (e.g. conduct, unpaid locker): stays INACTIVE until reactivated."""
    if not (reason or "").strip():
        raise ValidationError("Give a reason for deactivating the member.")
    member = Member.all_objects.select_for_update().get(pk=member.pk)
    member.suspended_reason = reason.strip()[:255]
    member.save(update_fields=["suspended_reason", "updated_at"])
    return member_refresh_status(member=member)


@transaction.atomic
def member_unsuspend(*, member: Member, by: User | None = None) -> Member:
    """Lift a manual deactivation; the member is ACTIVE again if a paid membership covers today."""
    member = Member.all_objects.select_for_update().get(pk=member.pk)
    member.suspended_reason = ""
    member.save(update_fields=["suspended_reason", "updated_at"])
    return member_refresh_status(member=member)
