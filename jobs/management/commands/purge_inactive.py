from django.conf import settings
from django.core.management.base import BaseCommand

from core.common.actors import system_actor
from core.members.retention import members_purge_inactive


class Command(BaseCommand):
    help = (
        "Remove the personal data and login of members inactive for more than RETENTION_INACTIVE_DAYS "
        "(payments stay, tied to the member code). Runs nightly; --dry-run only lists who would go."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the members who would be purged; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        with system_actor():
            codes = members_purge_inactive(dry_run=dry_run)
        verb = "Would purge" if dry_run else "Purged"
        days = settings.RETENTION_INACTIVE_DAYS
        self.stdout.write(f"{verb} {len(codes)} member(s) inactive for more than {days} days.")
        for code in codes:
            self.stdout.write(f"  {code}")
