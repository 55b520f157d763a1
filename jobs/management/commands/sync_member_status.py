from django.core.management.base import BaseCommand

from core.common.actors import system_actor
from core.memberships.services import members_sync_status


class Command(BaseCommand):
    help = "Apply the member status rule to every member now (the nightly job does this at 00:05)."

    def handle(self, *args, **options):
        with system_actor():
            counts = members_sync_status()
        self.stdout.write(f"Activated {counts['active']}, deactivated {counts['inactive']}.")
