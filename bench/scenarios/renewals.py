"""Renewals through one worker: for N members, renew with an invoice, record
the payment, render the receipt and invoice PDFs and send the receipt email
through the outbox (locmem backend) — what the job queue does after a desk
renewal, run serially in one process. Everything is rolled back at the end
(PDFs land in MEDIA_ROOT). Prints JSON.

The emails go to Django's in-memory backend whatever EMAIL_URL says (so a run
never mails the bench's addresses, and the count does not depend on the
environment: it used to count Django's in-memory outbox, which only that
backend fills, so a run under another EMAIL_URL, or the default .eml file
backend, reported 0 emails sent although every receipt was sent). "emails_sent" counts the receipts the
outbox marked SENT that reached the backend with the receipt and invoice PDFs.

    DATABASE_URL=... DJANGO_SETTINGS_MODULE=bench.settings_bench python bench/scenarios/renewals.py --count 200
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")


class _Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.core import mail
    from django.db import transaction
    from django.db.models import Count

    from core.accounts.models import User
    from core.billing.services.documents import payment_send_receipt
    from core.billing.services.payments import payment_record
    from core.billing.services.purchases import membership_renew_invoiced
    from core.members.models import Member
    from core.notifications.models import Message
    from core.notifications.services import message_send

    admin = User.objects.get(email="admin@bench.invalid")
    members = list(
        # With a login: a member without one gets no receipt email (the desk prints it).
        Member.objects.filter(status="ACTIVE", memberships__status="ACTIVE", user__isnull=False)
        .distinct()
        .order_by("-pk")[: args.count]
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    times, message_ids = [], []
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
                    message_ids.append(message.pk)
                times.append(time.perf_counter() - t)
            statuses = dict(
                Message.objects.filter(pk__in=message_ids).values_list("status").annotate(n=Count("pk")).order_by()
            )
            failed = list(
                Message.objects.filter(pk__in=message_ids)
                .exclude(last_error="")
                .values_list("last_error", flat=True)[:1]
            )
            raise _Rollback
    except _Rollback:
        pass
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    times.sort()
    ours = {str(pk) for pk in message_ids}
    delivered = [m for m in mail.outbox if m.extra_headers.get("X-GymOS-Message") in ours]
    with_pdfs = sum(sum(a[2] == "application/pdf" for a in m.attachments) == 2 for m in delivered)
    print(
        json.dumps(
            {
                "renewals": len(members),
                "seconds": round(seconds, 1),
                "per_renewal_ms": round(times[len(times) // 2] * 1000, 1),
                "cpu_seconds": round(cpu, 1),
                "cpu_per_renewal_ms": round(cpu / max(len(members), 1) * 1000, 1),
                "emails_sent": min(statuses.get(Message.Status.SENT, 0), with_pdfs),
                "message_statuses": statuses,
                "first_error": next(iter(failed), None),
                "extrapolated_1000_s": round(seconds / max(len(members), 1) * 1000, 1),
                "pass": bool(members)
                and statuses.get(Message.Status.SENT, 0) == with_pdfs == len(members)
                and seconds / len(members) * 1000 <= 180,
            }
        )
    )


if __name__ == "__main__":
    main()
