"""Only ADMIN and SUPPORT enter the admin; its login is allauth's."""

import pytest

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_the_allauth_login(client):
    # when
    response = client.get("/admin/", follow=True)
    # then
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fadmin%2F"
    assert response.status_code == 200
    assert 'name="login"' in response.content.decode()


def test_admin_login_page_redirects_to_allauth(client):
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=%2Fadmin%2Faccounts%2Fuser%2F"


def test_login_through_allauth_then_back_to_the_admin(client, admin_user):
    # when
    response = client.post(
        "/accounts/login/",
        {"login": admin_user.email, "password": "Test-password-2026", "next": "/admin/accounts/user/"},
    )
    # then
    assert response.status_code == 302
    assert response.url == "/admin/accounts/user/"
    assert client.get(response.url).status_code == 200


@pytest.mark.parametrize(("role", "home"), [("member_user", "/portal/member/"), ("trainer_user", "/portal/trainer/")])
def test_members_and_trainers_are_sent_back_to_their_portal(client, request, role, home):
    # given
    client.force_login(request.getfixturevalue(role))
    # when
    response = client.get("/admin/", follow=True)
    # then: no admin content, they land on their own home
    assert response.redirect_chain[-1][0] == home
    assert response.status_code == 200
    assert "GymOS admin" not in response.content.decode()


@pytest.mark.parametrize("role", ["member_user", "trainer_user"])
def test_members_and_trainers_cannot_open_admin_pages_directly(client, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302
    assert not response.url.startswith("/admin/accounts/")


@pytest.mark.parametrize("role", ["support_user", "admin_user"])
def test_support_and_admin_enter_the_branded_admin(client, request, role):
    # given
    client.force_login(request.getfixturevalue(role))
    # when
    response = client.get("/admin/")
    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert "GymOS" in body
    assert "Members" in body
    assert "System" in body


def test_deactivated_admin_is_refused(client, admin_user):
    admin_user.is_active = False
    admin_user.save()
    client.force_login(admin_user)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fadmin%2F"


def test_admin_logout_goes_through_allauth(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/admin/logout/")
    assert response.status_code == 302
    assert response.url == "/accounts/logout/"


@pytest.mark.parametrize(
    "path",
    [
        "/admin/django_q/schedule/",
        "/admin/django_q/success/",
        "/admin/django_q/failure/",
        "/admin/django_q/ormq/",
        "/admin/account/emailaddress/",
        "/admin/auth/group/",
    ],
)
def test_third_party_admins_render_for_admin(client, admin_user, path):
    client.force_login(admin_user)
    assert client.get(path).status_code == 200
