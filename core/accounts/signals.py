"""Logins into the audit log. Receivers only record; they decide nothing.

allauth's ``user_logged_in`` fires for every real login (admin and portal both
log in through allauth); Django's ``user_login_failed`` fires when no backend
accepts the credentials. Passwords never reach the log: Django masks them in
``credentials`` and only the login name is kept."""

from core.common.client_ip import client_ip as _client_ip
from core.common.services import audit_record


def record_login(sender, request, user, **kwargs) -> None:
    audit_record(
        action="login",
        summary=f"{user.email} logged in",
        obj=user,
        actor=user,
        data={"ip": _client_ip(request)},
    )


def record_login_failed(sender, credentials, request=None, **kwargs) -> None:
    login = str(credentials.get("email") or credentials.get("username") or credentials.get("login") or "")[:254]
    audit_record(
        action="login.failed",
        summary=f"Failed login for {login or '(no login name)'}",
        data={"login": login, "ip": _client_ip(request)},
    )
