"""Renewals through one worker: for N members, renew with an invoice, record
the payment, render the receipt and invoice PDFs and send the receipt email
through the outbox (locmem backend) — what the job queue does after a desk
renewal, run serially in one process. Everything is rolled back at the end
(PDFs land in the temporary MEDIA_ROOT). Prints JSON.

    DATABASE_URL=... DJANGO_SETTINGS_MODULE=bench.settings_bench python bench/scenarios/renewals.py --count 200
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


class _Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    import django

    django.setup()
    from django.core import mail
    from django.db import transaction

    from core.accounts.models import User
    from core.billing.services.documents import payment_send_receipt
    from core.billing.services.payments import payment_record
    from core.billing.services.purchases import membership_renew_invoiced
    from core.members.models import Member
    from core.notifications.services import message_send

    admin = User.objects.get(email="admin@bench.invalid")
    members = list(
        Member.objects.filter(status="ACTIVE", memberships__status="ACTIVE").distinct().order_by("-pk")[: args.count]
    )
    mail.outbox = []
    times = []
    start, cpu = time.perf_counter(), time.process_time()
    try:
        with transaction.atomic():
            for member in members:
                t = time.perf_counter()
                membership = membership_renew_invoiced(member=member, by=admin)
                invoice = membership.invoice
                payment = payment_record(invoice=invoice, amount=invoice.total - invoice.amount_paid, received_by=admin)
                message = payment_send_receipt(payment_id=payment.pk)
                if message is not None:
                    message_send(message_id=message.pk)
                times.append(time.perf_counter() - t)
            raise _Rollback
    except _Rollback:
        pass
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    times.sort()
    print(
        json.dumps(
            {
                "renewals": len(members),
                "seconds": round(seconds, 1),
                "per_renewal_ms": round(times[len(times) // 2] * 1000, 1),
                "cpu_seconds": round(cpu, 1),
                "emails_sent": len(getattr(mail, "outbox", [])),
                "extrapolated_1000_s": round(seconds / max(len(members), 1) * 1000, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
