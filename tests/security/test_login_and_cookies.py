"""Logins and cookies: the lockout after repeated wrong passwords speaks in a
member's words and lifts with a password reset; too many requests from one
connection get a page of our own; and config.settings.production, loaded in a
fresh process as a deployment would, sets secure, HttpOnly, SameSite cookies,
HSTS and a real password hasher (the reference system used unsalted MD5)."""

import json
import os
import subprocess
import sys

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from fixtures.factories import DEFAULT_PASSWORD
from tests.portal.test_password_reset import NEW_PASSWORD, reset_link, set_new_password  # noqa: F401 - fixture
from tests.security.test_no_raw_sql import ROOT

pytestmark = pytest.mark.django_db

PAUSED = "logging in is paused for a while to keep your account safe"


def log_in(client, email: str, password: str):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_a_paused_login_says_how_long_and_what_to_do_and_a_reset_lifts_it(client, member_user, reset_link):  # noqa: F811
    # given: the account's wrong passwords reached the limit (test settings: 5 in 5 minutes)
    for _ in range(5):
        log_in(client, member_user.email, "Wrong-password-1")
    # when
    page = log_in(client, member_user.email, DEFAULT_PASSWORD).content.decode()
    # then: what happened, how long, and what to do, in words a member understands
    assert PAUSED in page
    assert "Please wait 5 minutes and try again" in page
    assert "Forgot password?" in page
    assert "_auth_user_id" not in client.session
    # when: they choose a new password by the emailed link
    set_new_password(client, reset_link(member_user.email), NEW_PASSWORD)
    # then: they can log in at once
    assert log_in(client, member_user.email, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(("proxies", "paused"), [(0, True), (1, False)])
def test_behind_the_gyms_proxy_one_persons_wrong_passwords_do_not_pause_everyone(
    client, member_user, settings, proxies, paused
):
    # given: everyone reaches GymOS through the gym's proxy (one REMOTE_ADDR), and someone at
    # 203.0.113.5 typed 10 wrong passwords for other accounts (the per-address limit)
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "10/m/ip,5/5m/key"}  # production's
    via_proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(10):
        client.post(
            "/accounts/login/", {"login": f"nobody{n}@example.com", "password": "Wrong-password-1"},
            HTTP_X_FORWARDED_FOR="203.0.113.5", **via_proxy,
        )  # fmt: skip
    # when: a member at another address logs in with the right password
    response = client.post(
        "/accounts/login/", {"login": member_user.email, "password": DEFAULT_PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.8", **via_proxy,
    )  # fmt: skip
    # then: without TRUSTED_PROXY_COUNT the proxy's address is paused for everyone; with it, only
    # the address that typed the wrong passwords
    assert (response.status_code != 302) is paused
    assert ("_auth_user_id" in client.session) is not paused


def test_too_many_requests_from_one_connection_get_our_own_page(client, member_user, settings):
    # given: at most 2 login posts a minute from one address
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
    for _ in range(2):
        log_in(client, member_user.email, "Wrong-password-1")
    # when
    response = log_in(client, member_user.email, DEFAULT_PASSWORD)
    # then
    assert response.status_code == 429
    page = response.content.decode()
    assert "Please wait a moment" in page
    assert "Please wait a minute, then try again." in page
    assert settings.GYM_PHONE in page


PRODUCTION_SETTINGS = """
import json
from django.conf import settings
names = ["DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE",
         "CSRF_COOKIE_SAMESITE", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_SSL_REDIRECT",
         "SECURE_PROXY_SSL_HEADER", "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS",
         "PASSWORD_HASHERS", "ACCOUNT_RATE_LIMITS"]
print(json.dumps({name: getattr(settings, name) for name in names}))
"""


def production(env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", PRODUCTION_SETTINGS],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def production_values() -> dict:
    result = production({"SECRET_KEY": "p" * 64, "ALLOWED_HOSTS": "gym.example.com"})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_settings_make_cookies_secure_and_send_hsts(production_values):
    # then
    values = production_values
    assert values["DEBUG"] is False
    assert (values["SESSION_COOKIE_SECURE"], values["SESSION_COOKIE_HTTPONLY"]) == (True, True)
    assert (values["SESSION_COOKIE_SAMESITE"], values["CSRF_COOKIE_SAMESITE"]) == ("Lax", "Lax")
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["X_FRAME_OPTIONS"] == "DENY"
    # new passwords are hashed with the first; none of the others may be a fast or unsalted one
    assert values["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    assert not [h for h in values["PASSWORD_HASHERS"] if "MD5" in h or "Unsalted" in h]
    assert values["ACCOUNT_RATE_LIMITS"]["login_failed"] == "10/m/ip,5/5m/key"


def test_production_refuses_to_start_without_a_secret_key_or_hosts():
    # when
    no_key = production({"ALLOWED_HOSTS": "gym.example.com"})
    no_hosts = production({"SECRET_KEY": "p" * 64})
    # then
    assert no_key.returncode != 0 and "SECRET_KEY must be set" in no_key.stderr
    assert no_hosts.returncode != 0 and "ALLOWED_HOSTS must list" in no_hosts.stderr


def test_the_session_cookie_of_a_production_login_is_secure_and_httponly(production_values, settings, member_user):
    # given: the production cookie settings, a request through the TLS proxy
    for name in ("SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE"):
        setattr(settings, name, production_values[name])
    settings.SECURE_PROXY_SSL_HEADER = tuple(production_values["SECURE_PROXY_SSL_HEADER"])
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    # when
    response = log_in(client, member_user.email, DEFAULT_PASSWORD)
    # then
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert (session["secure"], session["httponly"], session["samesite"]) == (True, True, "Lax")


def test_a_member_cannot_switch_their_login_email_past_the_front_desk(client, member_user):
    # given
    client.force_login(member_user)
    # when: allauth's email page is asked to add an address (which could then be made primary)
    response = client.post("/accounts/email/", {"action_add": "", "email": "new-login@example.com"})
    # then: refused, saying where to go; the login is unchanged
    assert "changed at the front desk" in response.content.decode()
    member_user.refresh_from_db()
    assert member_user.email != "new-login@example.com"
    assert not EmailAddress.objects.filter(email="new-login@example.com").exists()
