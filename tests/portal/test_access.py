"""Who may open which portal page."""

import pytest

pytestmark = pytest.mark.django_db

ROLES = ["member_user", "trainer_user", "support_user", "admin_user"]


@pytest.fixture
def as_role(request, client):
    """as_role("member_user") -> a client logged in with that fixture's user; "anonymous" -> no login."""

    def _client(name: str):
        if name != "anonymous":
            client.force_login(request.getfixturevalue(name))
        return client

    return _client


@pytest.mark.parametrize("path", ["/portal/", "/portal/member/", "/portal/trainer/"])
def test_anonymous_is_sent_to_the_login_page(client, path):
    # when
    response = client.get(path)
    # then
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={path}"


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("member_user", "/portal/member/"),
        ("trainer_user", "/portal/trainer/"),
        ("support_user", "/admin/"),
        ("admin_user", "/admin/"),
    ],
)
def test_portal_sends_each_role_to_its_home(as_role, role, home):
    # when
    response = as_role(role).get("/portal/")
    # then
    assert response.status_code == 302
    assert response.url == home
    assert as_role(role).get(home).status_code == 200


def test_member_home_shows_the_member(as_role, member_user):
    page = as_role("member_user").get("/portal/member/").content.decode()
    assert "Hello, Mia" in page
    assert member_user.email in page
    assert "Log out" in page


def test_trainer_home_shows_the_trainer(as_role, trainer_user):
    page = as_role("trainer_user").get("/portal/trainer/").content.decode()
    assert "Hello, Tia" in page
    assert "My schedule" in page


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("member_user", "/portal/trainer/"),
        ("trainer_user", "/portal/member/"),
        ("support_user", "/portal/member/"),
        ("support_user", "/portal/trainer/"),
        ("admin_user", "/portal/trainer/"),
    ],
)
def test_other_roles_get_403_on_a_home_that_is_not_theirs(as_role, role, path):
    assert as_role(role).get(path).status_code == 403


def test_deactivated_member_is_logged_out(client, member_user):
    # given
    client.force_login(member_user)
    member_user.is_active = False
    member_user.save()
    # when
    response = client.get("/portal/member/")
    # then
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_landing_page_is_public_with_login_and_apply(client, db):
    page = client.get("/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'href="/accounts/login/"' in body
    assert "Apply for membership" in body


def test_portal_pages_refuse_post(as_role):
    assert as_role("member_user").post("/portal/member/").status_code == 405


def test_every_portal_view_declares_its_access_rule():
    # given: a view without a declared rule would be reachable by accident
    from django.urls import get_resolver

    from portal import urls as portal_urls

    # when
    undeclared = [p.name for p in portal_urls.urlpatterns if not hasattr(p.callback, "access_rule")]
    # then
    assert undeclared == []
    assert get_resolver().resolve("/healthz").func.access_rule == {"public": True}
