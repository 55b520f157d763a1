"""A temporary password stops working TEMP_PASSWORD_TTL_HOURS after it was sent."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from core.accounts.models import User
from core.notifications.models import Message
from tests.support.mail import temp_password_from

pytestmark = pytest.mark.django_db

EXPIRED = "Your temporary password has expired."


def expire(user: User) -> None:
    """The TTL has passed (same effect as waiting 72 hours)."""
    User.objects.filter(pk=user.pk).update(temp_password_expires_at=timezone.now() - timedelta(seconds=1))


def log_in(client, email: str, password: str):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_temporary_password_works_until_it_expires(client, provision, settings):
    # given: the TTL is 72 hours by default
    assert settings.TEMP_PASSWORD_TTL_HOURS == 72
    user, temp_password = provision(email="nadia@example.com")
    User.objects.filter(pk=user.pk).update(temp_password_expires_at=timezone.now() + timedelta(minutes=1))
    # when
    response = log_in(client, "nadia@example.com", temp_password)
    # then
    assert response.status_code == 302
    assert response.url == "/portal/"


def test_expired_temporary_password_is_refused_with_a_clear_message(client, provision):
    # given
    user, temp_password = provision(email="nadia@example.com")
    expire(user)
    # when
    response = log_in(client, "nadia@example.com", temp_password)
    # then: sent to the reset page, told why, and not logged in
    assert response.status_code == 302
    assert response.url == "/accounts/password/reset/"
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(text.startswith(EXPIRED) for text in shown), shown
    assert "_auth_user_id" not in client.session
    assert client.get("/portal/").url.startswith("/accounts/login/")
    # and nothing about the account changed
    user.refresh_from_db()
    assert user.must_change_password is True
    assert user.check_password(temp_password)
    assert user.last_login is None


def test_reset_page_shows_the_expiry_message(client, provision):
    # given
    user, temp_password = provision(email="nadia@example.com")
    expire(user)
    # when
    page = client.post("/accounts/login/", {"login": "nadia@example.com", "password": temp_password}, follow=True)
    # then
    assert page.redirect_chain == [("/accounts/password/reset/", 302)]
    assert EXPIRED in page.content.decode()


def test_wrong_password_after_expiry_gets_the_ordinary_error(client, provision):
    # given: the expiry notice is only for the person who knows the temporary password
    user, _ = provision(email="nadia@example.com")
    expire(user)
    # when
    response = log_in(client, "nadia@example.com", "Not-the-password-99")
    # then
    assert response.status_code == 200
    assert EXPIRED not in response.content.decode()
    assert "not correct" in response.content.decode()


def test_staff_send_a_new_temporary_password_that_works(
    client, provision, support_user, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    user, old_password = provision(email="nadia@example.com")
    expire(user)
    client.force_login(support_user)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/accounts/user/",
            {"action": "send_new_temp_password", "_selected_action": [user.pk], "index": 0},
            follow=True,
        )
    # then: a second welcome email with a fresh password, valid for another 72 hours
    assert response.status_code == 200
    assert "A new temporary password is on its way to nadia@example.com." in response.content.decode()
    assert Message.objects.filter(user=user, template="welcome", status=Message.Status.SENT).count() == 2
    new_password = temp_password_from(mailoutbox[-1])
    assert new_password != old_password
    user.refresh_from_db()
    assert user.temp_password_expires_at > timezone.now() + timedelta(hours=71)
    client.logout()
    assert log_in(client, "nadia@example.com", old_password).status_code == 200
    login = log_in(client, "nadia@example.com", new_password)
    assert login.status_code == 302
    assert client.get("/portal/").url.startswith("/accounts/password/change/")


def test_new_temporary_password_is_refused_for_a_deactivated_account(client, provision, admin_user, mailoutbox):
    # given
    user, _ = provision(email="nadia@example.com")
    User.objects.filter(pk=user.pk).update(is_active=False)
    client.force_login(admin_user)
    sent_before = len(mailoutbox)
    # when
    response = client.post(
        "/admin/accounts/user/",
        {"action": "send_new_temp_password", "_selected_action": [user.pk], "index": 0},
        follow=True,
    )
    # then
    assert "nadia@example.com is deactivated; activate the account first." in response.content.decode()
    assert Message.objects.filter(user=user).count() == 1
    assert len(mailoutbox) == sent_before
