"""The live stack for the end-to-end journeys: the app (pytest-django's
live_server), a real django-q2 worker subprocess against the same test
database, an SMTP server (aiosmtpd) as the mailbox and the bKash simulator,
all on loopback, on free ports, with settings pointing at them.

Work the app queues goes to django-q2's database broker (Conf.SYNC off) and
is done by the worker, the way production runs: the welcome email a test
reads really went app -> outbox -> worker -> SMTP. Everything started here is
stopped when the test ends, before its database is flushed.
"""

import contextlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django_q.conf import Conf

from core.billing.gateways.bkash_simulator import BkashSimulator
from fixtures.factories import DEFAULT_PASSWORD
from tests.core.billing.conftest import APP_KEY, APP_SECRET, PASSWORD, USERNAME, point_settings_at
from tests.support.mail import temp_password_in
from tests.support.smtp import ReceivedMessage, SmtpServer, smtp_server
from tests.support.worker import Worker, worker

MAIL_TIMEOUT = 30  # the worker polls its broker; generous for a loaded CI machine


@dataclass
class Stack:
    url: str
    smtp: SmtpServer
    bkash: BkashSimulator
    worker: Worker
    media: Path

    def mail(self, to: str, subject: str = "") -> ReceivedMessage:
        """The first email to ``to`` whose subject contains ``subject``, waiting for the worker to deliver it."""

        def find() -> ReceivedMessage | None:
            return next((m for m in self.smtp.received if to in m.rcpt_tos and subject in m.message["Subject"]), None)

        found = self.worker.until(find, timeout=MAIL_TIMEOUT)
        seen = [(m.rcpt_tos, m.message["Subject"]) for m in self.smtp.received]
        assert found, f"no email to {to} about {subject!r}; received: {seen}\nworker log:\n{self.worker.log()}"
        return found

    def temp_password(self, to: str) -> str:
        """The temporary password in the welcome email to ``to``."""
        return temp_password_in(self.mail(to, "Welcome").text)


@pytest.fixture
def stack(transactional_db, live_server, settings, monkeypatch, tmp_path) -> Stack:
    """The running stack (see the module docstring); the worker is up when the test starts."""
    monkeypatch.setattr(Conf, "SYNC", False)  # queue for the worker instead of running inline
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = str(media)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}},
    }
    with contextlib.ExitStack() as running:
        smtp = running.enter_context(smtp_server())
        for name, value in smtp.settings().items():
            setattr(settings, name, value)  # anything the app itself sends lands in the same mailbox
        bkash = running.enter_context(
            BkashSimulator(username=USERNAME, password=PASSWORD, app_key=APP_KEY, app_secret=APP_SECRET)
        )
        point_settings_at(settings, bkash)
        cluster = running.enter_context(worker(tmp_path, smtp, TEST_MEDIA_ROOT=str(media)))
        cluster.start()
        cluster.wait_ready()
        yield Stack(url=live_server.url, smtp=smtp, bkash=bkash, worker=cluster, media=media)


def login(page, base_url: str, email: str, password: str = DEFAULT_PASSWORD, *, next_url: str = "", succeeds=True):
    """Log in through the login page (admin and portal share it), then land on ``next_url`` or the
    person's home; with ``succeeds=False`` stay on the login page to read its refusal."""
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    page.goto(f"{base_url}/accounts/login/{query}")
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    page.click("button:has-text('Log in')")
    if succeeds:
        page.wait_for_url(lambda url: "/accounts/login/" not in url)


def change_password(page, old: str, new: str) -> None:
    """Fill in the forced password-change page the login sent the person to."""
    page.fill("input[name=oldpassword]", old)
    page.fill("input[name=password1]", new)
    page.fill("input[name=password2]", new)
    page.locator("form", has=page.locator("input[name=password1]")).locator("button[type=submit]").click()
