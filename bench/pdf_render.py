"""Invoice PDF render time after warm-up (WeasyPrint), median and p95.

    DATABASE_URL=postgres://... .venv/bin/python bench/pdf_render.py [--runs 20] [--lines 3]

Builds a member, an invoice with a few lines and a part payment inside one
transaction, times ``core.billing.pdf.invoice_pdf_bytes`` (the query, the
template and WeasyPrint, as the render job does it) and rolls everything back,
so it leaves nothing in the database. The database must be migrated. The target
(issue 4) is under 150 ms per invoice after warm-up.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")


class _Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed renders after warm-up")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--lines", type=int, default=3, help="invoice lines")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import transaction

    from core.accounts.models import User
    from core.billing.pdf import invoice_pdf_bytes
    from core.billing.services.invoices import LineSpec, invoice_issue
    from core.billing.services.payments import payment_record
    from core.members.services import member_create_for_user

    timings: list[float] = []
    cpu: list[float] = []
    size = 0
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email="bench-pdf@example.invalid", first_name="Bench", last_name="Member", role=User.Role.MEMBER
            )
            member = member_create_for_user(user=user)
            invoice = invoice_issue(
                member=member,
                lines=[
                    LineSpec(description=f"Line {i + 1}: monthly plan", unit_price="1500.00", quantity=i + 1)
                    for i in range(args.lines)
                ],
            )
            payment_record(invoice=invoice, amount="500.00")
            for _ in range(args.warmup):
                invoice_pdf_bytes(invoice)
            for _ in range(args.runs):
                started, started_cpu = time.perf_counter(), time.process_time()
                size = len(invoice_pdf_bytes(invoice))
                timings.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            raise _Rollback
    except _Rollback:
        pass

    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    print(f"invoice PDF, {args.lines} lines, {size} bytes, {args.runs} runs after {args.warmup} warm-up")
    print(f"wall: median {statistics.median(timings):.1f} ms  p95 {p95:.1f} ms  min {timings[0]:.1f} ms")
    # CPU time of this process: what the render costs when other work competes for the cores.
    print(f"cpu:  median {statistics.median(cpu):.1f} ms  (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
