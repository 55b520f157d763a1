"""Accounts: provisioning by staff, temporary passwords, password changes."""

import secrets
import string
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.accounts.roles import ROLE_GROUPS
from core.common.services import audit_record
from core.notifications.exceptions import MessageCancelled
from core.notifications.services import message_queue

WELCOME_TEMPLATE = "welcome"
# No look-alike characters (0/O, 1/l/I) so a password read from a phone can be typed.
_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def generate_temp_password(length: int = 14) -> str:
    """A random password with upper, lower and digits: passes the validators."""
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
        ):
            return candidate


def normalize_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": f"“{email}” is not a valid email address."}) from exc
    return email


@transaction.atomic
def user_provision(
    *,
    email: str,
    first_name: str,
    last_name: str = "",
    role: str = User.Role.MEMBER,
    groups: list[Group] | None = None,
    provisioned_by: User | None = None,
) -> User:
    """Create an account for a person and email them a temporary password.

    The password is generated when the welcome email is sent (see
    ``welcome_send_time_context``), so it is never stored in plain text nor
    logged; the person must change it at first login, within
    TEMP_PASSWORD_TTL_HOURS of the email.
    """
    email = normalize_email(email)
    if role not in User.Role.values:
        raise ValidationError({"role": f"Unknown role “{role}”."})
    if provisioned_by is not None and provisioned_by.role != User.Role.ADMIN and role != User.Role.MEMBER:
        raise ValidationError({"role": "Only an admin can create staff or trainer accounts."})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": f"An account with the email {email} already exists."})
    user = User(
        email=email,
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
        role=role,
        must_change_password=True,
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(Group.objects.get_or_create(name=ROLE_GROUPS[role])[0], *(groups or []))
    welcome_queue(user=user)
    audit_record(
        action="user.provisioned",
        summary=f"Account {user.email} ({user.get_role_display().lower()}) created",
        obj=user,
        actor=provisioned_by,
        data={"role": role},
    )
    return user


def welcome_queue(*, user: User):
    """Queue a welcome email; each call issues a new temporary password when sent."""
    return message_queue(
        template=WELCOME_TEMPLATE,
        recipient=user.email,
        user=user,
        dedupe_key=f"welcome:{user.pk}:{secrets.token_hex(8)}",
        context={"user_id": user.pk, "first_name": user.first_name, "role": user.get_role_display()},
    )


def _check_may_manage(*, by: User | None, user: User) -> None:
    """Support staff manage member accounts only; admins manage every account.
    ``by`` is None when GymOS itself acts (jobs, other services)."""
    if by is not None and not by.is_admin and user.role != User.Role.MEMBER:
        raise ValidationError(
            f"Only an admin can manage the account of {user.email} ({user.get_role_display().lower()})."
        )


@transaction.atomic
def user_send_new_temp_password(*, user: User, by: User | None = None) -> None:
    """Staff action for a person whose temporary password expired or got lost."""
    user = User.objects.select_for_update().get(pk=user.pk)
    _check_may_manage(by=by, user=user)
    if not user.is_active:
        raise ValidationError(f"{user.email} is deactivated; activate the account first.")
    user.must_change_password = True
    user.set_unusable_password()
    user.save(update_fields=["password", "must_change_password"])
    welcome_queue(user=user)


@transaction.atomic
def user_issue_temp_password(*, user_id: int) -> tuple[User, str]:
    """Give the account a fresh temporary password (called at send time)."""
    user = User.objects.select_for_update().get(pk=user_id)
    if not user.is_active:
        # Deactivated while the email waited: a password for a blocked account only confuses.
        raise MessageCancelled("The account was deactivated; no temporary password was sent.")
    if not user.must_change_password:
        raise MessageCancelled("The person already chose their own password; no temporary password was sent.")
    password = generate_temp_password()
    user.set_password(password)
    user.temp_password_expires_at = timezone.now() + timedelta(hours=settings.TEMP_PASSWORD_TTL_HOURS)
    user.save(update_fields=["password", "temp_password_expires_at"])
    return user, password


def welcome_send_time_context(message) -> dict:
    user, password = user_issue_temp_password(user_id=message.context["user_id"])
    return {"temp_password": password, "email": user.email, "expires_at": user.temp_password_expires_at}


@transaction.atomic
def user_set_password(*, user: User, password: str) -> User:
    """Set a person's own new password (change or reset); ends any forced change."""
    validate_password(password, user=user)
    user.set_password(password)
    user.must_change_password = False
    user.temp_password_expires_at = None
    user.save(update_fields=["password", "must_change_password", "temp_password_expires_at"])
    return user


@transaction.atomic
def user_deactivate(*, user: User, by: User | None = None) -> User:
    if by is not None and by.pk == user.pk:
        raise ValidationError("You cannot deactivate your own account.")
    _check_may_manage(by=by, user=user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def user_activate(*, user: User, by: User | None = None) -> User:
    _check_may_manage(by=by, user=user)
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def user_update(*, user: User, by: User, **fields) -> User:
    """Edit an account from the back office (name, email, role, active flag,
    groups and permissions). Only admins change roles, staff accounts or rights."""
    user = User.objects.select_for_update().get(pk=user.pk)
    changing_rights = any(k in fields for k in ("role", "groups", "user_permissions"))
    if not by.is_admin and (user.role != User.Role.MEMBER or changing_rights):
        raise ValidationError("Only an admin can change staff accounts, roles or permissions.")
    if by.pk == user.pk and (fields.get("is_active") is False or fields.get("role", user.role) != user.role):
        raise ValidationError("You cannot deactivate your own account or change your own role.")
    if "email" in fields:
        fields["email"] = normalize_email(fields["email"])
        if User.objects.filter(email__iexact=fields["email"]).exclude(pk=user.pk).exists():
            raise ValidationError({"email": f"Another account already uses {fields['email']}."})
    groups = fields.pop("groups", None)
    permissions = fields.pop("user_permissions", None)
    old_role = user.role
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save()
    if groups is not None:
        user.groups.set(groups)
    if permissions is not None:
        user.user_permissions.set(permissions)
    if user.role != old_role:
        user.groups.remove(*Group.objects.filter(name=ROLE_GROUPS[old_role]))
    user.groups.add(Group.objects.get_or_create(name=ROLE_GROUPS[user.role])[0])
    return user
