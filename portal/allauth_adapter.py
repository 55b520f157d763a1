from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages
from django.shortcuts import redirect

from core.accounts.services import user_set_password


class GymAccountAdapter(DefaultAccountAdapter):
    """allauth, fitted to GymOS: no self sign-up (staff provision accounts),
    temporary passwords expire, and every new password goes through the
    accounts service (which ends the forced change)."""

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

    def set_password(self, user, password) -> None:
        user_set_password(user=user, password=password)
