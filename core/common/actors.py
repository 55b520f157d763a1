"""Who changed what: the history user for rows changed outside a request.

Jobs and commands run inside ``system_actor()``, so simple-history records the
named system user instead of "None".
"""

import contextlib
import contextvars
from collections.abc import Iterator

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

SYSTEM_USER_EMAIL = "system@gymos.invalid"

_actor: contextvars.ContextVar = contextvars.ContextVar("gymos_actor", default=None)


def get_system_user():
    """The named, login-less user that jobs and commands act as."""
    User = get_user_model()
    user = User.objects.filter(email=SYSTEM_USER_EMAIL).first()
    if user is not None:
        return user
    candidate = User(
        email=SYSTEM_USER_EMAIL, first_name="GymOS", last_name="System", role=User.Role.ADMIN, is_active=False
    )
    candidate.set_unusable_password()
    candidate._history_user = candidate  # its own creation has a "who" too
    try:
        # Two workers starting on a fresh database may race to create it.
        with transaction.atomic():
            candidate.save()
    except IntegrityError:
        return User.objects.get(email=SYSTEM_USER_EMAIL)
    return candidate


@contextlib.contextmanager
def system_actor() -> Iterator[object]:
    """Attribute every history entry made inside the block to the system user."""
    user = get_system_user()
    token = _actor.set(user)
    try:
        yield user
    finally:
        _actor.reset(token)


@contextlib.contextmanager
def acting_as(user) -> Iterator[object]:
    """Attribute history entries inside the block to ``user`` (e.g. a staff member in a job)."""
    token = _actor.set(user)
    try:
        yield user
    finally:
        _actor.reset(token)


def current_actor():
    return _actor.get()


def history_user(instance=None, request=None, **kwargs):
    """simple-history's get_user: explicit actor, then the request user."""
    explicit = getattr(instance, "_history_user", None)
    if explicit is not None:
        return explicit
    actor = _actor.get()
    if actor is not None:
        return actor
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    return None
