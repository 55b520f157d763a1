"""Provisioning → welcome email → first login → forced password change → portal."""

import pytest

from core.accounts.models import User

pytestmark = pytest.mark.django_db

CHANGE_URL = "/accounts/password/change/"
NEW_PASSWORD = "Kettlebell-Sunrise-42"


def log_in(client, email: str, password: str):
    return client.post("/accounts/login/", {"login": email, "password": password})


def change_password(client, old: str, new: str, next_url: str = ""):
    data = {"oldpassword": old, "password1": new, "password2": new}
    if next_url:
        data["next"] = next_url
    return client.post(CHANGE_URL, data)


def test_member_logs_in_with_the_emailed_password_and_must_change_it_first(client, provision):
    # given
    user, temp_password = provision(email="nadia@example.com", role=User.Role.MEMBER)
    # when
    response = log_in(client, "nadia@example.com", temp_password)
    # then: logged in, and every page sends them to the change page
    assert response.status_code == 302
    for path in ["/portal/", "/portal/member/", "/admin/", "/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith(CHANGE_URL), path
    page = client.get(CHANGE_URL)
    assert page.status_code == 200
    # told once, not once per redirect on the way
    assert page.content.decode().count("Please choose your own password before you continue.") == 1


def test_after_changing_the_password_the_member_reaches_the_member_home(client, provision):
    # given: logged in with the temporary password and sent to the change page
    user, temp_password = provision(email="nadia@example.com", role=User.Role.MEMBER)
    log_in(client, "nadia@example.com", temp_password)
    forced = client.get("/portal/")
    assert forced.url == f"{CHANGE_URL}?next=%2Fportal%2F"
    # when
    response = change_password(client, temp_password, NEW_PASSWORD, next_url="/portal/")
    # then
    assert response.status_code == 302
    assert response.url == "/portal/"
    home = client.get("/portal/", follow=True)
    assert home.redirect_chain[-1][0] == "/portal/member/"
    assert home.status_code == 200
    assert "Hello, Nadia" in home.content.decode()
    user.refresh_from_db()
    assert user.must_change_password is False
    assert user.temp_password_expires_at is None
    assert user.check_password(NEW_PASSWORD)


def test_after_the_change_the_new_password_logs_in_and_the_temporary_one_does_not(client, provision):
    # given
    user, temp_password = provision(email="nadia@example.com")
    log_in(client, "nadia@example.com", temp_password)
    change_password(client, temp_password, NEW_PASSWORD)
    client.post("/accounts/logout/")
    # when
    refused = log_in(client, "nadia@example.com", temp_password)
    accepted = log_in(client, "nadia@example.com", NEW_PASSWORD)
    # then
    assert refused.status_code == 200
    assert "not correct" in refused.content.decode()
    assert accepted.status_code == 302
    assert client.get("/portal/member/").status_code == 200


def test_change_without_next_lands_on_the_portal(client, provision):
    # given
    user, temp_password = provision(email="nadia@example.com")
    log_in(client, "nadia@example.com", temp_password)
    # when
    response = change_password(client, temp_password, NEW_PASSWORD)
    # then: the person is done with the forced step and goes on to their home
    assert response.status_code == 302
    assert response.url == "/portal/"
    home = client.get(response.url, follow=True)
    assert home.redirect_chain == [("/portal/member/", 302)]
    assert "Password successfully changed." in home.content.decode()


def test_support_staff_is_forced_to_change_before_entering_the_admin(client, provision, admin_user):
    # given
    user, temp_password = provision(email="sam@example.com", role=User.Role.SUPPORT, provisioned_by=admin_user)
    log_in(client, "sam@example.com", temp_password)
    # when
    before = client.get("/admin/")
    change_password(client, temp_password, NEW_PASSWORD)
    after = client.get("/admin/")
    # then
    assert before.status_code == 302
    assert before.url.startswith(CHANGE_URL)
    assert after.status_code == 200


def test_logout_stays_reachable_during_the_forced_change(client, provision):
    # given
    user, temp_password = provision(email="nadia@example.com")
    log_in(client, "nadia@example.com", temp_password)
    # when
    response = client.post("/accounts/logout/")
    # then
    assert response.status_code == 302
    assert not response.url.startswith(CHANGE_URL)
    assert client.get("/portal/").url.startswith("/accounts/login/")


def test_weak_new_password_is_refused_and_the_change_stays_pending(client, provision):
    # given
    user, temp_password = provision(email="nadia@example.com")
    log_in(client, "nadia@example.com", temp_password)
    # when
    response = change_password(client, temp_password, "password")
    # then
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    user.refresh_from_db()
    assert user.must_change_password is True
    assert user.check_password(temp_password)
    assert client.get("/portal/").url.startswith(CHANGE_URL)
