from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal.ratelimit import parse_rates
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from core.accounts.services import user_set_password
from portal import account_emails


class GymAccountAdapter(DefaultAccountAdapter):
    """allauth, fitted to GymOS: no self sign-up (staff provision accounts),
    temporary passwords expire, and every new password goes through the
    accounts service (which ends the forced change). Its emails go through
    the outbox (portal.account_emails)."""

    @property
    def error_messages(self) -> dict:
        # allauth's "Try again later." leaves a member guessing how long, and
        # whether it is their fault; say what happened and what to do.
        return {**super().error_messages, "too_many_login_attempts": login_paused_message()}

    def is_open_for_signup(self, request) -> bool:
        return False

    def pre_login(self, request, user, **kwargs):
        if user.is_active and user.temp_password_expired:
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            messages.error(
                request,
                "Your temporary password has expired. Enter your email below and we will send you a link "
                "to choose a new password.",
            )
            return redirect("account_reset_password")
        return super().pre_login(request, user, **kwargs)

    def get_password_change_redirect_url(self, request) -> str:
        # allauth's default is the change form again; a person who was just
        # made to change their password wants to go on to their own home.
        return reverse("portal:home")

    def set_password(self, user, password) -> None:
        user_set_password(user=user, password=password)

    def send_password_reset_mail(self, user, email, context) -> None:
        # The link in ``context`` is not stored: the outbox makes a fresh one when it sends.
        account_emails.password_reset_queue(user=user)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        if template_prefix == "account/email/unknown_account":
            account_emails.unknown_account_queue(email=email)
            return
        # Other allauth emails (notifications, verification) are switched off in settings.
        super().send_mail(template_prefix, email, context)


def login_paused_message() -> str:
    """The words shown when ACCOUNT_RATE_LIMITS["login_failed"] pauses logins, with its real wait."""
    rates = parse_rates(allauth_settings.RATE_LIMITS.get("login_failed"))
    # The longest window: after it, every limit has let go.
    minutes = max(1, round(max((rate.duration for rate in rates), default=300) / 60))
    wait = "a minute" if minutes == 1 else f"{minutes} minutes"
    return (
        "The password was wrong too many times, so logging in is paused for a while to keep your account safe. "
        f"Please wait {wait} and try again, or choose a new password with \u201cForgot password?\u201d below. "
        "The front desk can help too."
    )
