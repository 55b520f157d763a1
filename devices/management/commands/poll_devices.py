"""Read the punches of every active pull device: `manage.py poll_devices`
runs until SIGTERM/SIGINT (Procfile "device"), `--once` polls one round (cron)."""

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection

from core.common.actors import system_actor
from devices.models import Device
from devices.services import devices_poll

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Poll the active pull (TCP) fingerprint devices for new punches and record check-ins."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Poll one round, then exit (for cron).")
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help=f"Seconds between rounds (default DEVICE_POLL_INTERVAL, {settings.DEVICE_POLL_INTERVAL}).",
        )
        parser.add_argument(
            "--device",
            action="append",
            dest="devices",
            metavar="NAME",
            help="Poll only this device, now, whatever its back-off (repeatable).",
        )

    def handle(self, *args, **options):
        interval = options["interval"] if options["interval"] is not None else settings.DEVICE_POLL_INTERVAL
        if interval <= 0:
            raise CommandError("--interval must be a positive number of seconds.")
        names = options["devices"] or None
        if names:
            known = set(
                Device.objects.filter(name__in=names, mode=Device.Mode.PULL, is_active=True).values_list(
                    "name", flat=True
                )
            )
            missing = sorted(set(names) - known)
            if missing:
                raise CommandError(f"No active pull device named: {', '.join(missing)}.")
        stop = threading.Event()
        self._install_signal_handlers(stop)
        with system_actor():
            while not stop.is_set():
                if not connection.in_atomic_block:  # (tests run inside one)
                    close_old_connections()  # a long-running loop must not keep a dead connection
                try:
                    results = devices_poll(names=names, should_stop=stop.is_set)
                except Exception as exc:  # the database went away: say so, try again next round
                    logger.exception("poll round failed")
                    self.stderr.write(f"Poll round failed: {exc!r}")
                    results = []
                for result in results:
                    write = self.stdout.write if result.ok else self.stderr.write
                    write(str(result))
                if options["once"]:
                    break
                stop.wait(interval)
        if not options["once"]:
            self.stdout.write("Stopped.")

    def _install_signal_handlers(self, stop: threading.Event) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signals can only be handled on the main thread (e.g. called from a test thread)

        def _stop(signum, frame):
            # Finish the device being polled (it is re-enabled and disconnected), then leave.
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
