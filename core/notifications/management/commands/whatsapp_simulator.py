"""Run the loopback WhatsApp Cloud API simulator:
`manage.py whatsapp_simulator --port 8789 [--webhook-url URL] [--fail NUMBER] ...`
(`--help` lists every option).

Token, phone number id and app secret default to the WHATSAPP_* settings, so
the app's sends are accepted and its webhook trusts the simulator's
signatures; status webhooks go to SITE_URL's /webhooks/whatsapp/ unless
--webhook-url says otherwise. Runs in the foreground until Ctrl-C."""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from core.notifications.whatsapp import simulator_cli


def _defaults() -> dict:
    return {
        "token": settings.WHATSAPP_TOKEN,
        "phone_number_id": settings.WHATSAPP_PHONE_NUMBER_ID,
        "app_secret": settings.WHATSAPP_APP_SECRET,
        "webhook_url": settings.SITE_URL.rstrip("/") + "/webhooks/whatsapp/",
    }


class Command(BaseCommand):
    help = "Serve a fake WhatsApp Cloud API on loopback that posts signed status webhooks back to GymOS."
    requires_system_checks = []

    def run_from_argv(self, argv):
        # The simulator has its own command line (simulator_cli); hand it the arguments as they are.
        sys.exit(simulator_cli.main(argv[2:], defaults=_defaults()))

    def add_arguments(self, parser):
        parser.add_argument("simulator_args", nargs="*", help="Options of the simulator (see --help of simulator_cli).")

    def handle(self, *args, **options):
        simulator_cli.main(list(options["simulator_args"]), defaults=_defaults())
