from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from core.common.history import History


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("role", User.Role.ADMIN)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. Email is the login; ``role`` says which side of
    GymOS they use. Fine-grained staff rights are groups and permissions."""

    class Role(models.TextChoices):
        ADMIN = "ADMIN", "Admin"
        SUPPORT = "SUPPORT", "Support staff"
        TRAINER = "TRAINER", "Trainer"
        MEMBER = "MEMBER", "Member"

    STAFF_ROLES = (Role.ADMIN, Role.SUPPORT)

    email = models.EmailField("email address", max_length=254, unique=True)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER, db_index=True)
    is_active = models.BooleanField(default=True, help_text="Untick to block this person from logging in.")
    must_change_password = models.BooleanField(
        default=False, help_text="Set when an account is provisioned; cleared when the person picks a password."
    )
    temp_password_expires_at = models.DateTimeField(null=True, blank=True)
    is_demo = models.BooleanField(default=False, help_text="Created by seed_demo with a published password.")
    date_joined = models.DateTimeField(default=timezone.now)

    # Password hashes and login times never go into history tables.
    history = History(excluded_fields=["password", "last_login"])

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name"]

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=["ADMIN", "SUPPORT", "TRAINER", "MEMBER"]), name="accounts_user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>" if self.first_name else self.email

    def save(self, *args, **kwargs):
        # Django stamps last_login on every login with update_fields=["last_login"]; that field is
        # kept out of history, so such a save would only add a history row identical to the last one.
        # (simple-history skips when the attribute exists, whatever its value.)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or not set(update_fields) <= {"last_login"}:
            return super().save(*args, **kwargs)
        self.skip_history_when_saving = True
        try:
            return super().save(*args, **kwargs)
        finally:
            del self.skip_history_when_saving

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.first_name

    @property
    def is_staff(self) -> bool:
        """Only admins and support staff may enter the admin."""
        return self.is_active and self.role in self.STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        return self.is_active and self.role == self.Role.ADMIN

    def has_perm(self, perm, obj=None) -> bool:
        # The ADMIN role holds every permission; others get theirs from groups.
        if self.is_admin:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        if self.is_admin:
            return True
        return super().has_module_perms(app_label)

    @property
    def temp_password_expired(self) -> bool:
        return (
            self.must_change_password
            and self.temp_password_expires_at is not None
            and self.temp_password_expires_at <= timezone.now()
        )
