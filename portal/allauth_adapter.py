from allauth.account.adapter import DefaultAccountAdapter
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
