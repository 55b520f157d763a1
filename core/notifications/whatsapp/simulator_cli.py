"""Command line for the WhatsApp simulator. The ``whatsapp_simulator``
management command calls ``main(argv, defaults=...)``; ``make run`` can also
start it with ``python -m core.notifications.whatsapp.simulator_cli``."""

import argparse
import os
import sys
import threading
from collections.abc import Mapping

from core.notifications.whatsapp.simulator import (
    SIM_APP_SECRET,
    SIM_PHONE_NUMBER_ID,
    SIM_TOKEN,
    WhatsAppSimulator,
)


def serve(simulator: WhatsAppSimulator, *, out=sys.stdout, stop: threading.Event | None = None) -> None:
    """Run until Ctrl-C (or ``stop`` is set), printing how to point the app at it."""
    with simulator:
        print(f"WhatsApp simulator on {simulator.base_url} (phone number id {simulator.phone_number_id})", file=out)
        print(f"  WHATSAPP_BASE_URL={simulator.base_url}", file=out)
        print(f"  status webhooks to: {simulator.webhook_url or '(none: pass --webhook-url)'}", file=out, flush=True)
        try:
            (stop or threading.Event()).wait()
        except KeyboardInterrupt:
            pass


def main(argv: list[str] | None = None, defaults: Mapping[str, str] | None = None) -> int:
    """Command line: ``--port N --webhook-url URL --template NAME[:N] --block NUMBER --fail NUMBER``
    (``--help`` lists all). Runs until Ctrl-C."""
    serve(build_simulator(argv, defaults))
    return 0


def build_simulator(argv: list[str] | None = None, defaults: Mapping[str, str] | None = None) -> WhatsAppSimulator:
    """The simulator the command line describes (not started). Token, phone
    number id and app secret default to ``defaults`` (e.g. from settings),
    then the WHATSAPP_* environment variables, then the demo values."""
    defaults = defaults or {}

    def default(key: str, env: str, fallback: str) -> str:
        return defaults.get(key) or os.environ.get(env) or fallback

    parser = argparse.ArgumentParser(prog="whatsapp_simulator", description="Fake WhatsApp Cloud API on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8789)
    parser.add_argument("--token", default=default("token", "WHATSAPP_TOKEN", SIM_TOKEN))
    parser.add_argument(
        "--phone-number-id", default=default("phone_number_id", "WHATSAPP_PHONE_NUMBER_ID", SIM_PHONE_NUMBER_ID)
    )
    parser.add_argument("--app-secret", default=default("app_secret", "WHATSAPP_APP_SECRET", SIM_APP_SECRET))
    parser.add_argument("--webhook-url", default=defaults.get("webhook_url"))
    parser.add_argument("--template", action="append", default=[], help="known template NAME or NAME:VALUES")
    parser.add_argument("--block", action="append", default=[], help="answer 131030 for this number")
    parser.add_argument("--fail", action="append", default=[], help="report this number's messages as failed")
    parser.add_argument("--rate-limited", action="store_true")
    parser.add_argument("--out-of-order", action="store_true")
    parser.add_argument("--duplicate", action="store_true")
    parser.add_argument("--webhook-delay", type=float, default=0.5)
    args = parser.parse_args(argv)
    templates = None
    if args.template:
        templates = {}
        for spec in args.template:
            name, _, count = spec.partition(":")
            templates[name] = int(count) if count else None
    return WhatsAppSimulator(
        args.host,
        args.port,
        token=args.token,
        phone_number_id=args.phone_number_id,
        app_secret=args.app_secret,
        webhook_url=args.webhook_url,
        known_templates=templates,
        blocked=args.block,
        fail_numbers=args.fail,
        rate_limited=args.rate_limited,
        out_of_order=args.out_of_order,
        duplicate=args.duplicate,
        webhook_delay=args.webhook_delay,
    )


if __name__ == "__main__":
    sys.exit(main())
