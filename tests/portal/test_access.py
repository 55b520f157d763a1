"""Who may open which portal page."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import resolve, reverse

from core.accounts.models import User
from portal.access import role_required

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


# --- role_required(..., object=...) ----------------------------------------------------

OBJECT_RULE = "the member who owns the thing; staff with things.view_thing"


def _object_view():
    """A view with an object rule: it answers 404 unless the id names the caller's own thing."""

    @role_required(User.Role.MEMBER, *User.STAFF_ROLES, object=OBJECT_RULE)
    def view(request, owner_id: int):
        if owner_id != request.user.pk:
            raise Http404("Not yours.")
        return HttpResponse("the thing")

    return view


def _get(user, path="/things/1/"):
    request = RequestFactory().get(path)
    request.user = user or AnonymousUser()
    return request


def test_an_object_rule_is_recorded_next_to_the_roles():
    # when
    view = _object_view()
    plain = role_required(User.Role.MEMBER)(lambda request: None)
    # then: the inventory reads the rule's text; a view without one carries no "object" key
    assert view.access_rule == {"roles": (User.Role.MEMBER, *User.STAFF_ROLES), "object": OBJECT_RULE}
    assert plain.access_rule == {"roles": (User.Role.MEMBER,)}


def test_an_object_rule_keeps_the_role_answers(member_user, trainer_user, support_user):
    view = _object_view()
    # anonymous: to the login page, back here afterwards
    response = view(_get(None), owner_id=member_user.pk)
    assert (response.status_code, response.url) == (302, "/accounts/login/?next=/things/1/")
    # a role the rule does not list: 403, before the view looks anything up
    with pytest.raises(PermissionDenied):
        view(_get(trainer_user), owner_id=trainer_user.pk)
    # a listed role: the view runs, and its object check answers 404 for someone else's thing
    assert view(_get(member_user), owner_id=member_user.pk).content == b"the thing"
    with pytest.raises(Http404):
        view(_get(support_user), owner_id=member_user.pk)


@pytest.mark.parametrize(
    ("name", "arg", "roles", "rule"),
    [
        ("portal:member_photo", "M00001", ("ADMIN", "SUPPORT", "TRAINER", "MEMBER"), "assigned trainer"),
        ("portal:support_attachment", 1, ("MEMBER", "ADMIN", "SUPPORT"), "owns the ticket"),
        ("portal:trainer_certification_file", 1, ("TRAINER", "ADMIN", "SUPPORT"), "certificate's trainer"),
    ],
)
def test_private_file_views_declare_roles_and_object_rule_through_role_required(name, arg, roles, rule):
    # when
    access_rule = resolve(reverse(name, args=[arg])).func.access_rule
    # then
    assert access_rule["roles"] == roles
    assert rule in access_rule["object"]
