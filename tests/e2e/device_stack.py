"""Helpers shared by the leave and device journeys: logging in through the
real login page (admin and portal both use allauth's)."""

from urllib.parse import urlencode

from playwright.sync_api import Page

from fixtures.factories import DEFAULT_PASSWORD


def log_in(page: Page, live_server, user, *, next_url: str = "") -> None:
    """Log ``user`` in on /accounts/login/ and land on ``next_url`` (or their home)."""
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    page.goto(f"{live_server.url}/accounts/login/{query}")
    page.fill("#id_login", user.email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
