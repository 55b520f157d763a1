from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

PLEASE_CHANGE = "Please choose your own password before you continue."
# Paths a person with a temporary password may still reach.
_ALLOWED_URL_NAMES = ("account_change_password", "account_logout", "account_reset_password", "healthz")
_ALLOWED_PREFIXES = ("/static/", "/accounts/password/reset/")


class ForcePasswordChangeMiddleware:
    """Until a provisioned person picks their own password, every page
    (admin and portal) sends them to the password-change page."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._allowed: tuple[str, ...] | None = None

    def allowed_paths(self) -> tuple[str, ...]:
        if self._allowed is None:
            self._allowed = tuple(reverse(name) for name in _ALLOWED_URL_NAMES)
        return self._allowed

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            and request.path not in self.allowed_paths()
            and not request.path.startswith(_ALLOWED_PREFIXES)
        ):
            _warn_once(request)
            target = reverse("account_change_password")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        return self.get_response(request)


def _warn_once(request) -> None:
    """Add the notice unless it is already waiting to be shown: one page load
    can pass through several redirects, each of which would add it again."""
    storage = messages.get_messages(request)
    pending = any(message.message == PLEASE_CHANGE for message in storage)
    storage.used = False  # looking is not showing: keep the queued messages
    if not pending:
        messages.warning(request, PLEASE_CHANGE)
