"""allauth's emails (password reset, unknown account) go through the outbox
like every other email: retried with backoff, recorded, text and HTML.

The reset link carries a secret, so the outbox row stores only the user id;
the link is made when the message is sent (a send-time context provider) and
is never written to the database."""

import secrets

from allauth.account import app_settings as allauth_settings
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.urls import reverse

from core.accounts.models import User
from core.notifications.exceptions import MessageCancelled
from core.notifications.models import Message
from core.notifications.services import message_queue

PASSWORD_RESET_TEMPLATE = "password_reset"  # noqa: S105 - a template name, not a password
UNKNOWN_ACCOUNT_TEMPLATE = "unknown_account"


def password_reset_queue(*, user: User) -> Message:
    return message_queue(
        template=PASSWORD_RESET_TEMPLATE,
        recipient=user.email,
        user=user,
        dedupe_key=f"password_reset:{user.pk}:{secrets.token_hex(8)}",
        context={"user_id": user.pk, "first_name": user.first_name},
    )


def unknown_account_queue(*, email: str) -> Message:
    return message_queue(
        template=UNKNOWN_ACCOUNT_TEMPLATE,
        recipient=email,
        dedupe_key=f"unknown_account:{secrets.token_hex(8)}",
        context={"email": email},
    )


def password_reset_link_context(message) -> dict:
    """Send-time context: a fresh reset link, valid for PASSWORD_RESET_TIMEOUT from now."""
    user = User.objects.filter(pk=message.context["user_id"]).first()
    if user is None or not user.is_active:
        raise MessageCancelled("The account is deactivated or gone; no reset link was sent.")
    token = allauth_settings.PASSWORD_RESET_TOKEN_GENERATOR().make_token(user)
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": token})
    return {
        "password_reset_url": settings.SITE_URL.rstrip("/") + path,
        "email": user.email,
        "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
