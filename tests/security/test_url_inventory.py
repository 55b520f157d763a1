"""Every route of the project has a declared access rule, and a row in the
tests that check it, so a new URL cannot ship open by accident:

- portal, public pages, webhooks, the bKash callback and device endpoints:
  the view carries ``access_rule`` (portal.access decorators, or
  devices.views.device_endpoint) and a row in the role matrix
  (test_role_matrix.ROUTES);
- allauth: listed in ALLAUTH_ROUTES with the reason it may be open;
- the admin: a ModelAdmin's standard pages are guarded by the admin site
  (staff + model permissions); every other admin URL is in
  test_admin_custom_views.CUSTOM_ADMIN_VIEWS, which shows it checks a permission;
- media: no route serves MEDIA_URL (private files go through the views above).
"""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.views.static import serve

from tests.security.admin_urls import custom_entries, walk
from tests.security.test_admin_custom_views import CUSTOM_ADMIN_VIEWS
from tests.security.test_role_matrix import ROUTES

ALLAUTH_ROUTES = {
    "account_login": "the login page: public by nature, rate limited (login_failed)",
    "account_logout": "logs out whoever asks; a GET only shows the confirm form",
    "account_inactive": "tells a deactivated person their account is off; no data",
    "account_signup": "closed: GymAccountAdapter.is_open_for_signup is False (staff provision accounts)",
    "account_reauthenticate": "allauth requires a login",
    "account_email": "allauth requires a login; one's own addresses only",
    "account_email_verification_sent": "an information page; no data",
    "account_change_password": "allauth requires a login; one's own password",
    "account_set_password": "allauth requires a login; one's own password",
    "account_reset_password": "public: asks for an email, answers the same whether it exists or not",
    "account_reset_password_done": "an information page; no data",
    "account_reset_password_from_key": "needs the secret key from the reset email",
    "account_reset_password_from_key_done": "an information page; no data",
    "account_confirm_email": "needs the secret key from the confirmation email",
    "account_confirm_login_code": "needs the code sent by email during a login by code",
}
LOGIN_REQUIRED = ["account_email", "account_change_password", "account_set_password", "account_reauthenticate"]


def _routes():
    return [(route, name, pattern) for route, name, pattern in walk() if not route.startswith("admin/")]


def _is_allauth(pattern) -> bool:
    return pattern.callback.__module__.startswith("allauth.")


def test_every_route_outside_the_admin_and_allauth_declares_its_access_rule():
    undeclared = [
        route for route, _name, p in _routes() if not _is_allauth(p) and not hasattr(p.callback, "access_rule")
    ]
    assert undeclared == [], "add portal.access's decorator (or device_endpoint) to these views"


def test_every_route_outside_the_admin_and_allauth_is_in_the_role_matrix():
    routed = {name for _route, name, p in _routes() if not _is_allauth(p)}
    in_table = {route.name for route in ROUTES}
    assert routed - in_table == set(), "add a row to tests/security/test_role_matrix.py ROUTES"
    assert in_table - routed == set(), "the role matrix has rows for routes that no longer exist"


def test_allauth_routes_are_exactly_the_allowlisted_ones():
    allauth = {name for _route, name, p in _routes() if _is_allauth(p)}
    assert allauth == set(ALLAUTH_ROUTES)


@pytest.mark.django_db
@pytest.mark.parametrize("name", LOGIN_REQUIRED)
def test_allauth_account_pages_send_anonymous_people_to_the_login(name):
    response = Client().get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.django_db
def test_signup_is_closed():
    response = Client().get(reverse("account_signup"))
    assert 'name="password2"' not in response.content.decode()


def test_every_custom_admin_view_is_in_the_admin_table():
    custom = {entry.name for entry in custom_entries()}
    assert custom - set(CUSTOM_ADMIN_VIEWS) == set(), "add it to tests/security/test_admin_custom_views.py"
    assert set(CUSTOM_ADMIN_VIEWS) - custom == set(), "the admin table lists views that no longer exist"


def test_the_walk_sees_every_part_of_the_site():
    # guards against the tests above passing because the walk missed a part
    routes = {route for route, _name, _p in walk()}
    for expected in ("portal/invoices/<str:number>/pdf/", "iclock/cdata", "webhooks/bkash/", "healthz", "apply/"):
        assert expected in routes
    assert any(route.startswith("accounts/") for route in routes)
    assert len([e for e in custom_entries() if e.model is not None]) > 50


def test_no_route_serves_media():
    # given: whatever MEDIA_URL is configured (none by default), and the usual places
    media_prefixes = {settings.MEDIA_URL or "/media/", "/media/", "/uploads/"}
    # then: no view is django.views.static.serve (what static(MEDIA_URL, ...) adds) ...
    assert [route for route, _name, p in walk() if p.callback is serve] == []
    # ... and no pattern matches a file path under those prefixes
    for prefix in media_prefixes:
        path = f"/{prefix.strip('/')}/members/photos/abc.jpg"
        try:
            match = resolve(path)
        except Resolver404:
            continue
        assert match.url_name is None and match.route.startswith("admin/"), f"{path} resolves to {match.func}"
