"""Run a simulated ZKTeco device on loopback, for demos and for trying the poller
by hand: `manage.py zk_simulator --port 4370 --users 20 --punches 50`."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from devices.zk.demo import demo_punches, demo_users
from devices.zk.simulator import ZKSimulator


def gym_wall_clock():
    # The device keeps the gym's local wall time, with no zone (PROTOCOLS.md).
    return timezone.localtime().replace(tzinfo=None)


class Command(BaseCommand):
    help = (
        "Serve a fake ZKTeco fingerprint device that pyzk can read (users 1..N, punches over the last days). "
        "Runs in the foreground until Ctrl-C."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=4370, help="TCP port; 0 picks a free one (default 4370).")
        parser.add_argument("--users", type=int, default=20, help="Demo users with ids 1..N (default 20).")
        parser.add_argument("--punches", type=int, default=50, help="Punches in the log (default 50).")
        parser.add_argument("--days", type=int, default=7, help="Spread punches over this many days (default 7).")
        parser.add_argument("--password", type=int, default=0, help="Comm password (default 0: none).")
        parser.add_argument("--serial", default="SIM0001", help="Serial number (default SIM0001).")
        parser.add_argument("--record-size", type=int, choices=(8, 16, 40), default=40, help="Punch record bytes.")
        parser.add_argument("--user-record-size", type=int, choices=(28, 72), default=72, help="User record bytes.")
        parser.add_argument("--seed", type=int, default=8, help="Seed for the demo punches.")
        parser.add_argument(
            "--duration", type=float, default=0, help="Stop after this many seconds (default 0: until Ctrl-C)."
        )

    def handle(self, *args, **options):
        if options["punches"] and not options["users"]:
            raise CommandError("Punches need users: give --users N with N >= 1.")
        users = demo_users(options["users"])
        user_ids = [u.user_id for u in users]
        punches = demo_punches(
            options["punches"], user_ids, end=gym_wall_clock(), days=options["days"], seed=options["seed"]
        )
        verbose = options["verbosity"] >= 2
        sim = ZKSimulator(
            host=options["host"],
            port=options["port"],
            serial_number=options["serial"],
            comm_password=options["password"],
            users=users,
            attendance=punches,
            record_size=options["record_size"],
            user_record_size=options["user_record_size"],
            clock=gym_wall_clock,
            on_command=(lambda c: self.stdout.write(f"  [conn {c.connection}] {c.name}")) if verbose else None,
        )
        try:
            sim.start()
        except OSError as exc:
            raise CommandError(f"Cannot listen on {options['host']}:{options['port']}: {exc}") from exc
        self._describe(sim, punches, options)
        deadline = time.monotonic() + options["duration"] if options["duration"] else None
        try:
            while deadline is None or time.monotonic() < deadline:
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
        finally:
            sim.stop()
        self.stdout.write(
            f"Stopped after {sim.connection_count} connection(s), {sim.session_count} session(s); "
            f"device {'enabled' if sim.enabled else 'left DISABLED'}."
        )

    def _describe(self, sim, punches, options):
        password = f"comm password {options['password']}" if options["password"] else "no comm password"
        self.stdout.write(f"ZK simulator {sim.serial_number} listening on {sim.host}:{sim.port} ({password})")
        self.stdout.write(
            f"Serving {len(sim.users)} users (ids 1..{options['users']}, {sim.user_record_size}-byte records) "
            f"and {len(punches)} punches ({sim.record_size}-byte records)"
        )
        if punches:
            self.stdout.write(f"Punches from {punches[0].timestamp} to {punches[-1].timestamp} (device-local time)")
        self.stdout.write(f"Device time {sim.device_time()}. Press Ctrl-C to stop.")
        self.stdout.flush()
