"""Security headers: the Content-Security-Policy and Permissions-Policy of
config.security, Django's own headers, HSTS and secure cookies with the
production settings, and a real Chromium loading the admin and the portal
under the policy without a single violation (the "e2e" test)."""

import importlib
import os
import sys
from contextlib import contextmanager

import pytest
from django.db import connections
from django.http import HttpResponse
from django.test import Client, RequestFactory

from config.security import SecurityHeadersMiddleware
from core.billing.gateways.bkash_simulator import BkashSimulator
from fixtures.factories import AdminFactory
from tests.core.billing.conftest import APP_KEY, APP_SECRET, PASSWORD, USERNAME, make_portal_member, point_settings_at
from tests.core.members.builders import make_plan, media_root  # noqa: F401 - media_root: fixture
from tests.devices.support import push_device

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


@pytest.fixture
def portal_member(db, media_root):  # noqa: F811 - the fixture imported above
    return make_portal_member(make_plan(name="Monthly", price="2000.00"), first_name="Rafi")


# --- headers on every kind of page ----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "path"),
    [
        (None, "/accounts/login/"),
        (None, "/apply/"),
        ("admin", "/admin/"),
        ("admin", "/admin/members/member/"),
        ("member", "/portal/member/"),
        ("member", "/portal/invoices/"),
    ],
)
def test_admin_portal_and_public_pages_carry_the_security_headers(who, path, client, admin_user, portal_member):
    # given
    users = {"admin": admin_user, "member": portal_member.user}
    if who:
        client.force_login(users[who])
    # when
    response = client.get(path)
    # then
    assert response.status_code == 200
    csp = directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"]  # no inline <script> or on*= handlers, ever
    assert csp["form-action"][0] == "'self'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]


def test_forms_may_send_the_browser_to_the_bkash_payer_page_and_nowhere_else(settings, client, db):
    # given: the bKash sandbox (its API host differs from its payer page host)
    settings.BKASH_BASE_URL = "https://tokenized.sandbox.bka.sh/v1.2.0-beta"
    settings.BKASH_PAY_ORIGINS = []
    # when
    csp = directives(client.get("/accounts/login/")["Content-Security-Policy"])
    # then: the redirect after "Pay with bKash" is a form-action navigation
    assert csp["form-action"] == ["'self'", "https://tokenized.sandbox.bka.sh", "https://*.bkash.com"]

    # given: the origins set explicitly
    settings.BKASH_PAY_ORIGINS = ["https://payment.bkash.com"]
    # when
    csp = directives(client.get("/accounts/login/")["Content-Security-Policy"])
    # then
    assert csp["form-action"] == ["'self'", "https://payment.bkash.com"]


def test_a_view_with_its_own_stricter_policy_keeps_it_and_pdfs_get_none():
    # given: a private attachment streamed with a sandboxing policy, and a PDF
    def attachment(request):
        response = HttpResponse(b"\x89PNG", content_type="image/png")
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

    def pdf(request):
        return HttpResponse(b"%PDF-1.7", content_type="application/pdf")

    request = RequestFactory().get("/")
    # when
    kept = SecurityHeadersMiddleware(attachment)(request)
    pdf_response = SecurityHeadersMiddleware(pdf)(request)
    # then
    assert kept["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "Content-Security-Policy" not in pdf_response
    assert "camera=()" in pdf_response["Permissions-Policy"]


# --- production settings ------------------------------------------------------------------


@pytest.fixture
def production_settings(settings, monkeypatch):
    monkeypatch.delenv("ADMS_ALLOW_HTTP", raising=False)
    return apply_production_settings(settings, monkeypatch)


def apply_production_settings(settings, monkeypatch):
    """The security settings of config.settings.production, applied on top of the test settings."""
    monkeypatch.setenv("SECRET_KEY", "production-like-" + "k" * 50)
    monkeypatch.setenv("ALLOWED_HOSTS", "gym.example.com")
    for name in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD"):
        monkeypatch.delenv(name, raising=False)
    sys.modules.pop("config.settings.production", None)
    try:
        production = importlib.import_module("config.settings.production")
    finally:
        sys.modules.pop("config.settings.production", None)
    for name in dir(production):
        if name.startswith(("SECURE_", "SESSION_COOKIE_", "CSRF_COOKIE_")) or name in (
            "ALLOWED_HOSTS",
            "X_FRAME_OPTIONS",
            "CONTENT_SECURITY_POLICY",
            "PERMISSIONS_POLICY",
        ):
            setattr(settings, name, getattr(production, name))
    return production


@pytest.mark.django_db
def test_production_sends_hsts_redirects_to_https_and_marks_cookies_secure(production_settings):
    # given: a request through the TLS-terminating proxy, and one over plain http
    client = Client(HTTP_HOST="gym.example.com")
    # when
    secure = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    plain = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="http")
    # then
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Content-Security-Policy" in secure
    assert secure["X-Frame-Options"] == "DENY"
    assert secure.cookies["csrftoken"]["secure"] is True
    assert secure.cookies["csrftoken"]["samesite"] == "Lax"
    assert plain.status_code == 301
    assert plain["Location"] == "https://gym.example.com/accounts/login/"


@pytest.mark.django_db
@pytest.mark.parametrize(("allow_http", "expected"), [(None, 301), ("1", 200)])
def test_a_device_that_pushes_over_plain_http_is_heard_only_when_the_gym_allows_it(
    settings, monkeypatch, allow_http, expected
):
    # given: production settings, with or without ADMS_ALLOW_HTTP, and a registered push device
    if allow_http is not None:
        monkeypatch.setenv("ADMS_ALLOW_HTTP", allow_http)
    apply_production_settings(settings, monkeypatch)
    device = push_device("GYM0001")
    client = Client(HTTP_HOST="gym.example.com")
    # when: it shakes hands over plain http
    response = client.get(f"/iclock/cdata?SN={device.serial_number}&options=all", HTTP_X_FORWARDED_PROTO="http")
    # then: redirected (which such a device cannot follow), or answered
    assert response.status_code == expected
    if expected == 200:
        assert f"GET OPTION FROM: {device.serial_number}" in response.content.decode()
    # and every other page still goes to https
    assert client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="http").status_code == 301


# --- a real browser under the policy ------------------------------------------------------------

# Recorded in every document before its own scripts run.
VIOLATION_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""


@contextmanager
def chromium():
    """Headless Debian chromium through Playwright (never `playwright install`).
    Playwright's sync API keeps an event loop in this thread, which makes Django
    refuse ORM calls here (the test's teardown flush): allowed only while it runs."""
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                timeout=30_000,
            )
            try:
                yield browser
            finally:
                browser.close()
                # Connections opened while the loop ran belong to its context: closed here, or one
                # stays open and the test database cannot be dropped at the end of the session.
                connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def logged_in_context(browser, base_url: str, user, problems: list[str]):
    """A browser context with ``user``'s session; console CSP messages and page errors go to ``problems``."""
    client = Client()
    # Fresh from the database: the welcome email's task (run on commit) set a new password hash.
    client.force_login(type(user).objects.get(pk=user.pk))
    context = browser.new_context()
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}])
    context.add_init_script(VIOLATION_LISTENER)
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return context, page


def visit(page, url: str, problems: list[str]) -> None:
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    assert page.url == url, f"{url} redirected to {page.url}"
    problems.extend(f"{url}: {v}" for v in page.evaluate("window.__cspViolations"))


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_admin_and_portal_work_in_chromium_without_csp_violations(live_server, settings, media_root):  # noqa: F811
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package.")
    with BkashSimulator(username=USERNAME, password=PASSWORD, app_key=APP_KEY, app_secret=APP_SECRET) as sim:
        # given: an admin, and a member whose membership lapsed (they can renew with bKash)
        point_settings_at(settings, sim)
        member = make_portal_member(make_plan(name="Monthly", price="2000.00"), first_name="Rafi")
        admin = AdminFactory(first_name="Ada")
        base = live_server.url
        problems: list[str] = []
        with chromium() as browser:
            # when: the admin opens the dashboard, a list and a change form
            context, page = logged_in_context(browser, base, admin, problems)
            for path in ("/admin/", "/admin/members/member/", f"/admin/members/member/{member.pk}/change/"):
                visit(page, base + path, problems)
            # then: Alpine.js (unfold's menus, tabs, filters) started under the policy
            assert page.evaluate("() => !!window.Alpine && !!document.querySelector('[x-data]')._x_dataStack")
            context.close()

            # when: the member opens their pages and renews with bKash
            context, page = logged_in_context(browser, base, member.user, problems)
            for path in ("/portal/member/", "/portal/invoices/", "/portal/classes/", "/portal/support/"):
                visit(page, base + path, problems)
            visit(page, base + "/portal/member/", problems)
            page.click("form[action$='/portal/renew/'] button")
            # then: the post's redirect to the payer page was allowed (form-action)
            page.wait_for_url(f"{sim.root_url}/checkout/**")
            context.close()

    # then: not one violation or script error on any page
    assert problems == []
