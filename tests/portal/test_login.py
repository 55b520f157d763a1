"""Login through allauth: email as the login, rate limits, no self sign-up."""

import pytest

from core.accounts.models import User
from fixtures.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def log_in(client, email: str, password: str):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_login_with_email_in_any_case(client, member_user):
    response = log_in(client, member_user.email.upper(), DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response.url == "/portal/"


def test_wrong_password_is_refused_with_the_form_error(client, member_user):
    response = log_in(client, member_user.email, "Wrong-password-1")
    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_account_for_a_while(client, member_user, settings):
    # given: the test settings allow 5 failures per account in 5 minutes
    assert settings.ACCOUNT_RATE_LIMITS["login_failed"] == "5/5m/key"
    for _ in range(5):
        log_in(client, member_user.email, "Wrong-password-1")
    # when: even the right password is refused now
    response = log_in(client, member_user.email, DEFAULT_PASSWORD)
    # then
    assert response.status_code == 200
    assert "logging in is paused" in response.content.decode()  # the wording: tests/security/test_login_and_cookies.py
    assert "_auth_user_id" not in client.session


def test_deactivated_account_cannot_log_in(client, member_user):
    member_user.is_active = False
    member_user.save()
    response = log_in(client, member_user.email, DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response.url == "/accounts/inactive/"
    assert "_auth_user_id" not in client.session
    assert client.get("/portal/").url.startswith("/accounts/login/")


def test_self_signup_is_closed(client, db):
    # when
    response = client.post(
        "/accounts/signup/", {"email": "me@example.com", "password1": "Long-enough-1", "password2": "Long-enough-1"}
    )
    # then: staff provision accounts; nobody signs themselves up
    assert "Sign Up Closed" in response.content.decode()
    assert not User.objects.filter(email="me@example.com").exists()
