"""Make the fingerprint devices reflect membership status (also a nightly job)."""

from django.core.management.base import BaseCommand

from core.common.actors import system_actor
from devices.access import devices_access_sync


class Command(BaseCommand):
    help = (
        "Enable entitled members on the devices, disable lapsed, frozen or suspended ones, remove purged ones; "
        "push devices get queued commands."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print the changes without making them.")
        parser.add_argument("--device", action="append", dest="devices", metavar="NAME", help="Only this device.")

    def handle(self, *args, **options):
        dry_run = options["dry_run"]
        with system_actor():
            reports = devices_access_sync(dry_run=dry_run, names=options["devices"])
        for report in reports:
            if not report.ok:
                self.stderr.write(f"{report.device}: FAILED - {report.error}")
                continue
            for change in report.changes:
                self.stdout.write(str(change))
            self.stdout.write(f"{report.device}: {len(report.changes)} change(s){' (dry run)' if dry_run else ''}")
        if not reports:
            self.stdout.write("No active devices.")
