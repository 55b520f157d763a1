"""Run the loopback bKash simulator (tokenized checkout API + a payer page with
Pay, Cancel and Fail buttons): `manage.py bkash_simulator --port 8765`.

By default it listens where BKASH_BASE_URL points and accepts the BKASH_*
credentials from settings, so `make run` gets a working online payment flow
with no network. Runs in the foreground until Ctrl-C (or --duration)."""

import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.billing.gateways import bkash
from core.billing.gateways.bkash_simulator import DEFAULT_BASE_PATH, BkashSimulator


def _from_base_url() -> tuple[int, str]:
    """Port and path of BKASH_BASE_URL when it names this machine, else the defaults."""
    parts = urlsplit(getattr(settings, "BKASH_BASE_URL", bkash.DEFAULT_BASE_URL))
    if parts.hostname in ("127.0.0.1", "localhost") and parts.port:
        return parts.port, parts.path or DEFAULT_BASE_PATH
    return bkash.DEFAULT_SIMULATOR_PORT, DEFAULT_BASE_PATH


class Command(BaseCommand):
    help = "Serve a fake bKash tokenized checkout on loopback for development and demos (Ctrl-C stops it)."
    requires_system_checks = []

    def add_arguments(self, parser):
        port, base_path = _from_base_url()
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=port, help=f"TCP port; 0 picks a free one (default {port}).")
        parser.add_argument("--base-path", default=base_path, help=f"API path prefix (default {base_path}).")
        parser.add_argument(
            "--duration", type=float, default=0, help="Stop after this many seconds (default 0: until Ctrl-C)."
        )

    def handle(self, *args, **options):
        if options["duration"] < 0:
            raise CommandError("--duration cannot be negative.")
        sim = BkashSimulator(
            host=options["host"],
            port=options["port"],
            base_path=options["base_path"],
            username=settings.BKASH_USERNAME,
            password=settings.BKASH_PASSWORD,
            app_key=settings.BKASH_APP_KEY,
            app_secret=settings.BKASH_APP_SECRET,
        )
        try:
            sim.start()
        except OSError as exc:
            raise CommandError(f"Cannot listen on {options['host']}:{options['port']}: {exc}") from exc
        self.stdout.write(f"bKash simulator at {sim.base_url} (merchant {sim.username}); Ctrl-C stops it.")
        self.stdout.flush()
        deadline = time.monotonic() + options["duration"] if options["duration"] else None
        try:
            while deadline is None or time.monotonic() < deadline:
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
        finally:
            sim.stop()
            self.stdout.write("bKash simulator stopped.")
