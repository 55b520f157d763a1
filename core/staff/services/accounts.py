"""Staff accounts and trainer profiles: create (through provisioning: a
temporary password by email, changed at first login), deactivate (login
refused at once; the trainer's classes to come are flagged for review), and
profile edits. Only admins see or set the hourly rate."""

from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.accounts.models import User
from core.accounts.services import user_deactivate, user_provision
from core.classes.models import ClassSession
from core.classes.services.review import sessions_flag_for_review
from core.common.money import to_money
from core.common.services import audit_record
from core.staff.models import Trainer

STAFF_ACCOUNT_ROLES = (User.Role.TRAINER, User.Role.SUPPORT, User.Role.ADMIN)
PROFILE_FIELDS = ("bio", "specialties")


def _clean_specialties(value: str) -> str:
    # One spelling: "Strength ,mobility,, " -> "Strength, mobility".
    return ", ".join(part.strip() for part in (value or "").split(",") if part.strip())


@transaction.atomic
def trainer_profile_ensure(*, user: User) -> Trainer:
    """The trainer profile of a TRAINER account, made empty the first time."""
    if user.role != User.Role.TRAINER:
        raise ValidationError(f"{user.email} is not a trainer account.")
    trainer, _created = Trainer.objects.get_or_create(user=user)
    return trainer


@transaction.atomic
def staff_create(
    *,
    email: str,
    first_name: str,
    last_name: str = "",
    role: str = User.Role.TRAINER,
    groups: list[Group] | None = None,
    by: User,
    bio: str = "",
    specialties: str = "",
    hourly_rate: Decimal | str | None = None,
) -> User:
    """Create a trainer or staff account through ``user_provision`` (welcome
    email with a temporary password, forced change at first login); a
    trainer also gets their profile."""
    if role not in STAFF_ACCOUNT_ROLES:
        raise ValidationError({"role": "Choose trainer, support staff or admin; members are added as members."})
    if not by.is_admin:
        raise PermissionDenied("Only an admin can create staff or trainer accounts.")
    user = user_provision(
        email=email, first_name=first_name, last_name=last_name, role=role, groups=groups, provisioned_by=by
    )
    if role == User.Role.TRAINER:
        trainer = Trainer(user=user, bio=(bio or "").strip(), specialties=_clean_specialties(specialties))
        if hourly_rate not in (None, ""):
            trainer.hourly_rate = to_money(hourly_rate)
        trainer._history_user = by
        trainer.full_clean()
        trainer.save()
        if trainer.hourly_rate is not None:
            _audit_rate(trainer, by)
    return user  # user_provision wrote the audit event "user.provisioned"


def _deactivation_note(user: User) -> str:
    name = user.full_name or user.email
    return f"The instructor {name} no longer works here: assign another trainer, move or cancel the class."


@transaction.atomic
def staff_account_sync(*, user: User, by: User | None) -> list[ClassSession]:
    """Bring staff data in line with the account after it was saved: an
    active trainer has a profile; a login that can no longer teach
    (deactivated, or no longer a trainer) has its classes to come flagged
    for review. Returns the classes flagged now."""
    if user.role == User.Role.TRAINER and user.is_active:
        trainer_profile_ensure(user=user)
        return []
    return sessions_flag_for_review(
        sessions=ClassSession.objects.filter(instructor=user), note=_deactivation_note(user), by=by
    )


@transaction.atomic
def staff_deactivate(*, user: User, by: User | None) -> list[ClassSession]:
    """Block the login at once (every open session of theirs stops working
    on its next request) and flag the trainer's classes to come for review.
    Returns the flagged classes."""
    user_deactivate(user=user, by=by)
    flagged = staff_account_sync(user=user, by=by)
    if user.role == User.Role.MEMBER:
        return flagged  # a member login: nothing staff-related to record
    audit_record(
        action="staff.deactivated",
        summary=f"{user.email} deactivated; {len(flagged)} class(es) flagged for a new instructor",
        obj=user,
        actor=by,
    )
    return flagged


def _may_edit_profile(by: User, trainer: Trainer) -> bool:
    if by.pk == trainer.user_id and by.is_active:
        return True
    return by.is_staff and by.has_perm("staff.change_trainer")


def _audit_rate(trainer: Trainer, by: User | None) -> None:
    # The rate is not in the history table (support staff can read that page). The audit log records
    # who changed it and when, but not the amounts: the log can be opened to non-admins too.
    audit_record(
        action="staff.hourly_rate_changed",
        summary=f"Hourly rate of {trainer} changed",
        obj=trainer,
        actor=by,
        data={"field": "hourly_rate"},
    )


_UNSET = object()


@transaction.atomic
def trainer_profile_update(*, trainer: Trainer, by: User, hourly_rate=_UNSET, **fields) -> Trainer:
    """Edit a trainer's bio and specialties (the trainer or staff allowed to
    change trainers) and, for admins only, the hourly rate."""
    trainer = Trainer.objects.select_for_update().select_related("user").get(pk=trainer.pk)
    if not _may_edit_profile(by, trainer):
        raise PermissionDenied("You can only edit your own trainer profile.")
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {', '.join(sorted(unknown))}")
    if "bio" in fields:
        trainer.bio = (fields["bio"] or "").strip()
    if "specialties" in fields:
        trainer.specialties = _clean_specialties(fields["specialties"])
    old_rate = trainer.hourly_rate
    if hourly_rate is not _UNSET:
        if not by.is_admin:
            raise PermissionDenied("Only an admin can see or change the hourly rate.")
        trainer.hourly_rate = None if hourly_rate in (None, "") else to_money(hourly_rate)
        if trainer.hourly_rate is not None and trainer.hourly_rate < 0:
            raise ValidationError({"hourly_rate": "The hourly rate cannot be negative."})
    trainer._history_user = by
    trainer.full_clean()
    trainer.save()
    if trainer.hourly_rate != old_rate:
        _audit_rate(trainer, by)
    return trainer
