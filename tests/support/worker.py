"""A real django-q2 worker (`manage.py qcluster` in a subprocess) against the
test database, sending mail to a test SMTP server (tests/support/smtp.py).

The test process must queue into django-q2's ORM broker (Conf.SYNC switched
off; elsewhere tasks run inline) and commit its rows: transactional_db.
The worker runs in its own process group and is always stopped on exit.
"""

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from django.db import connection

from core.common.actors import get_system_user
from core.notifications.whatsapp.simulator import wait_for
from tests.support.smtp import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 20
# Not passed on: the test process's own switches (the worker has no event loop to worry about).
_DROPPED_ENV = ("REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")


def worker_database_url() -> str:
    """The test database pytest-django made, for the worker subprocess."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """`manage.py qcluster` in its own process group, logging to a file."""

    def __init__(self, log: Path, env: dict[str, str]):
        self.log_path, self.env = log, env
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Worker":
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: the cluster's children die with it
        )
        log.close()
        return self

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Until the cluster says it is running (its INFO line); fails with the log if it died or hung."""
        ok = self.until(lambda: "] running." in self.log_path.read_text(errors="replace"), timeout=timeout)
        assert ok, f"the worker did not start in {timeout} s; its log:\n{self.log()}"

    def until(self, condition: Callable[[], object], *, timeout: float):
        """Poll ``condition`` until truthy or ``timeout``; fails at once, with the log, if the worker died."""

        def check():
            assert self.alive, f"the worker exited ({self.proc and self.proc.returncode}); its log:\n{self.log()}"
            return condition()

        return wait_for(check, timeout=timeout, interval=0.1)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """kill -9 the whole cluster (sentinel, pusher, workers, monitor) at once."""
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if not self.alive:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


@contextlib.contextmanager
def worker(tmp_path: Path, smtp: SmtpServer, workers: int = 2, **env_overrides: str) -> Iterator[Worker]:
    """A (not yet started) worker pointed at the test database and ``smtp``; stopped on exit."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}  # the database is the broker
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=worker_database_url(),
        Q_SYNC="0",
        Q_WORKERS=str(workers),
        LOG_LEVEL="INFO",  # wait_ready reads the cluster's "running." line
        TEST_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=smtp.host,
        EMAIL_PORT=str(smtp.port),
        PYTHONUNBUFFERED="1",
        **env_overrides,
    )
    # Tasks act as the system user; made lazily, two workers' first tasks would race to create it
    # (core.common.actors.get_system_user is not safe against that: one of them would fail).
    get_system_user()
    running = Worker(tmp_path / "qcluster.log", env)
    try:
        yield running
    finally:
        # kill -9, not SIGTERM: nothing it holds matters once the test is done (the outbox is built
        # to survive it), and django-q2's graceful stop can hang (django-q2 issue #346).
        running.kill()
