"""Dashboard render time with a big gym: N members with a year of monthly
memberships, invoices and payments, a month of check-ins and classes.

    DATABASE_URL=postgres://.../gymos_reports DEBUG=0 .venv/bin/python bench/dashboard.py --members 50000

The first run bulk-creates the data (rows marked with the "bench" code prefix;
later runs reuse them; --reset removes them first). Then the admin index is
rendered through the test client as an admin, with DEBUG off: a few warm-up
requests, then --repeats timed ones; prints the median, p95 and the number of
queries, and the same for every report page. The charts' days before today are
cached for REPORTS_CHART_CACHE_SECONDS (warm requests: KPIs and today's part of
each chart are live); --cold recomputes everything on every request. The database must be migrated.
Target (issue 10): the dashboard under 300 ms with 50,000 members.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DEBUG", "0")

PREFIX = "BN"  # member codes of bench rows
BATCH = 5000
REPORTS = ["renewals", "collections", "dues", "movement", "attendance", "class-fill", "trainer-sessions", "low-stock"]


def generate(n: int, rng: random.Random) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from core.accounts.models import User
    from core.attendance.models import CheckIn
    from core.attendance.services import members_note_visits
    from core.billing.models import Invoice, Payment
    from core.classes.models import Booking, ClassSession, ClassType, Room
    from core.inventory.models import SKU, Product
    from core.leads.models import Lead
    from core.members.models import Member
    from core.memberships.models import Membership, Plan
    from core.support.models import Ticket

    today, now = timezone.localdate(), timezone.now()
    unusable = make_password(None)  # members of the bench never log in
    started = time.perf_counter()
    with transaction.atomic():
        staff = User.objects.create_user("bench-desk@example.invalid", first_name="Bench", role="SUPPORT")
        trainers = [
            User.objects.create_user(f"bench-trainer{i}@example.invalid", first_name=f"Trainer{i}", role="TRAINER")
            for i in range(8)
        ]
        plans = [
            Plan.objects.create(name="Bench monthly", price=Decimal("3000.00")),
            Plan.objects.create(name="Bench weekly", price=Decimal("900.00"), interval_unit="WEEK"),
            Plan.objects.create(name="Bench yearly", price=Decimal("30000.00"), interval_unit="YEAR"),
        ]
        users = User.objects.bulk_create(
            (User(email=f"bench{i}@example.invalid", first_name=f"Bench{i}", role="MEMBER", password=unusable)
             for i in range(n)), batch_size=BATCH,
        )  # fmt: skip
        members = Member.objects.bulk_create(
            (Member(user=u, code=f"{PREFIX}{i:07d}", phone="+8801711000000", status="ACTIVE" if i % 4 else "INACTIVE",
                    joined_on=today - datetime.timedelta(days=rng.randint(0, 700)))
             for i, u in enumerate(users)), batch_size=BATCH,
        )  # fmt: skip
        print(f"  {n} members: {time.perf_counter() - started:.1f} s", flush=True)
        terms = []
        for member in members:
            # A chain of monthly terms ending somewhere between 90 days ago and 30 days ahead.
            end = today + datetime.timedelta(days=rng.randint(-90, 30))
            for _ in range(rng.randint(1, 12)):
                start = end - datetime.timedelta(days=29)
                terms.append((member, start, end))
                end = start - datetime.timedelta(days=1)
        invoices = Invoice.objects.bulk_create(
            (Invoice(number=f"INV-BN-{i:08d}", member=m, issued_on=start, due_on=start + datetime.timedelta(days=7),
                     total=Decimal("3000.00"), amount_paid=Decimal("3000.00") if i % 10 else Decimal("0.00"),
                     status="PAID" if i % 10 else "ISSUED")
             for i, (m, start, _end) in enumerate(terms)), batch_size=BATCH,
        )  # fmt: skip
        Membership.objects.bulk_create(
            (Membership(member=m, plan=plans[i % 7 == 0], starts_on=start, ends_on=end, price=Decimal("3000.00"),
                        invoice=invoices[i])
             for i, (m, start, end) in enumerate(terms)), batch_size=BATCH,
        )  # fmt: skip
        Payment.objects.bulk_create(
            (Payment(invoice=inv, amount=inv.total, method="CASH" if i % 3 else "BKASH", reference=f"BN{i}",
                     received_at=timezone.make_aware(datetime.datetime.combine(inv.issued_on, datetime.time(9)))
                     + datetime.timedelta(minutes=i % 600),
                     received_by=staff, receipt_number=f"RCT-BN-{i:08d}")
             for i, inv in enumerate(invoices) if inv.status == "PAID" and inv.issued_on <= today), batch_size=BATCH,
        )  # fmt: skip
        print(f"  {len(terms)} memberships, invoices, payments: {time.perf_counter() - started:.1f} s", flush=True)
        visits = n * 8  # about a quarter of the members come twice a week: a month of check-ins
        checkins = CheckIn.objects.bulk_create(
            (CheckIn(member=members[rng.randrange(n)], source="DEVICE", result="ALLOWED",
                     at=now - datetime.timedelta(days=rng.randint(0, 29), minutes=rng.randint(0, 14 * 60)))
             for _ in range(visits)), batch_size=BATCH,
        )  # fmt: skip
        # As the check-in services do: the attendance report's churn list reads Member.last_visit_at.
        members_note_visits(visits=[(c.member_id, c.at) for c in checkins])
        room = Room.objects.create(name="Bench hall", capacity=40)
        types = [ClassType.objects.create(title=f"Bench class {i}") for i in range(6)]
        sessions = ClassSession.objects.bulk_create(
            ClassSession(class_type=types[i % 6], instructor=trainers[i % 8], room=room, capacity=30,
                         starts_at=now + datetime.timedelta(days=d, hours=h - 10),
                         ends_at=now + datetime.timedelta(days=d, hours=h - 9))
            for i, (d, h) in enumerate((d, h) for d in range(-30, 8) for h in range(6, 22, 2))
        )  # fmt: skip
        Booking.objects.bulk_create(
            (Booking(session=s, member=m, status="ATTENDED" if j % 5 else "NO_SHOW")
             for s in sessions for j, m in enumerate(rng.sample(members, rng.randint(5, 30)))), batch_size=BATCH,
        )  # fmt: skip
        Lead.objects.bulk_create(
            Lead(name=f"Bench lead {i}", email=f"bench-lead{i}@example.invalid", phone="+8801712345678",
                 heard_from="FRIEND", consented_at=now, status="NEW" if i % 3 else "CONTACTED")
            for i in range(n // 25)
        )  # fmt: skip
        Ticket.objects.bulk_create(Ticket(member=m, subject="Bench ticket") for m in members[: n // 25])
        product = Product.objects.create(name="Bench shake")
        SKU.objects.bulk_create(
            SKU(product=product, code=f"BENCH-{i}", price=1, cost=1, stock_on_hand=i % 12, low_stock_threshold=5)
            for i in range(300)
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  generated in {time.perf_counter() - started:.1f} s", flush=True)


def reset() -> None:
    from django.db import transaction

    from core.accounts.models import User
    from core.attendance.models import CheckIn
    from core.billing.models import Invoice, Payment
    from core.classes.models import Booking, ClassSession, ClassType, Room
    from core.inventory.models import SKU, Product
    from core.leads.models import Lead
    from core.members.models import Member
    from core.memberships.models import Membership, Plan
    from core.support.models import Ticket

    bench = {"member__code__startswith": PREFIX}
    with transaction.atomic():
        Booking.objects.filter(**bench).delete()
        ClassSession.objects.filter(room__name="Bench hall").delete()
        ClassType.objects.filter(title__startswith="Bench class").delete()
        Room.objects.filter(name="Bench hall").delete()
        CheckIn.objects.filter(**bench).delete()
        Ticket.objects.filter(**bench).delete()
        Membership.objects.filter(**bench).delete()
        Payment.objects.filter(invoice__number__startswith="INV-BN-").delete()
        Invoice.objects.filter(number__startswith="INV-BN-").delete()
        Member.all_objects.filter(code__startswith=PREFIX).delete()
        Plan.objects.filter(name__startswith="Bench ").delete()
        Lead.objects.filter(email__startswith="bench-lead").delete()
        SKU.objects.filter(code__startswith="BENCH-").delete()
        Product.objects.filter(name="Bench shake").delete()
        User.objects.filter(email__endswith="@example.invalid", email__startswith="bench").delete()


def check(condition: bool, url: str) -> None:
    if not condition:
        raise SystemExit(f"{url} did not answer 200")


def timed(client, url: str, repeats: int, warmup: int = 3) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        check(client.get(url).status_code == 200, url)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        check(response.status_code == 200, url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return times, len(ctx)


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--reset", action="store_true", help="remove earlier bench rows first")
    parser.add_argument("--no-reports", action="store_true", help="time the dashboard only")
    parser.add_argument(
        "--cold", action="store_true", help="recompute the charts' past days on every request (no chart cache)"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from core.accounts.models import User
    from core.members.models import Member

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    if args.cold:
        settings.REPORTS_CHART_CACHE_SECONDS = 0
    if args.reset:
        reset()
    have = Member.all_objects.filter(code__startswith=PREFIX).count()
    if have != args.members:
        if have:
            reset()
        print(f"Generating {args.members} members...", flush=True)
        generate(args.members, random.Random(10))
    admin = User.objects.filter(email="bench-admin@example.invalid").first() or User.objects.create_superuser(
        "bench-admin@example.invalid", first_name="Bench"
    )
    client = Client()
    client.force_login(admin)
    cache = "off" if args.cold else "on"
    print(f"DEBUG={settings.DEBUG}, {Member.objects.count()} members on the books, chart cache {cache}")
    times, queries = timed(client, "/admin/", args.repeats)
    verdict = "OK" if statistics.median(times) < 300 else "SLOWER THAN 300 ms"
    print(
        f"dashboard: median {statistics.median(times):.0f} ms, p95 {p95(times):.0f} ms, {queries} queries ({verdict})"
    )
    if not args.no_reports:
        for slug in REPORTS:
            times, queries = timed(client, f"/admin/reports/{slug}/", max(3, args.repeats // 4), warmup=1)
            print(
                f"  report {slug}: median {statistics.median(times):.0f} ms, p95 {p95(times):.0f} ms, {queries} queries"
            )
        times, queries = timed(client, "/admin/audit-log/", max(3, args.repeats // 4), warmup=1)
        print(f"  audit log: median {statistics.median(times):.0f} ms, p95 {p95(times):.0f} ms, {queries} queries")


if __name__ == "__main__":
    main()
