"""Browser tests: Playwright drives Debian's chromium (/usr/bin/chromium)
against pytest-django's live_server, a real HTTP server on 127.0.0.1 in a
thread, with a transactional database (the server's connection sees what
the test commits).

Never ``playwright install``: it downloads a browser from outside the
package registries. scripts/ensure_chromium.sh installs Debian's package
(``make install-dev`` runs it). Screenshots go to test-artifacts/e2e/
(git-ignored).
"""

import os
from pathlib import Path

import pytest
from django.db import connections

from tests.e2e.stack import stack  # noqa: F401 - the live stack fixture, for every journey

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
TIMEOUT_MS = 10_000  # any single wait; the whole happy path takes a few seconds


@pytest.fixture(scope="module")
def browser():
    """One headless chromium for the module's tests.

    Playwright's sync API runs an asyncio event loop in this (the main)
    thread for as long as it is started. Django's async-safety check then
    refuses every ORM call made from the thread: the test building its data,
    and the database flush that ends each transactional test. Those calls
    are plain synchronous code that never runs inside the loop, so the check
    is switched off with DJANGO_ALLOW_ASYNC_UNSAFE, before the browser starts
    and only until it stops (the module's end), not for the rest of the suite.
    """
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure_chromium.sh (Debian's chromium package).")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=30_000
            )
            try:
                yield launched
            finally:
                launched.close()
                connections.close_all()  # those opened while the loop ran (see tests/security/test_headers.py)
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser):
    """new_page() -> a page in a fresh browser context (its own cookies): one per
    person in a journey (an admin and a member side by side). Closed at the end."""
    contexts = []

    def _new():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    try:
        yield _new
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def page(new_page):
    """A fresh browser context (no cookies) and page per test."""
    return new_page()


@pytest.fixture
def screenshot():
    """screenshot(page, name) saves test-artifacts/e2e/<name>.png (full page)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def _save(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _save
