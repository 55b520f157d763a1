"""Bench data: a realistic gym of N members written with PostgreSQL COPY.

    DATABASE_URL=postgres://gymos:gymos@127.0.0.1:5432/gymos_bench \
        .venv/bin/python bench/generate.py --members 50000 --reset

Builds staff, trainers, N members (users in the role groups), plans, two years
of memberships with renewal chains, an invoice + line per term with payments
(some partial, some overdue), 40 weekly classes over a year (half past, half
ahead) with bookings and waitlists, 40 check-ins per member (90% from a
device, with their punches), 500 SKUs with movements, leads, tickets, audit
events and sent messages. Every login's password is ``bench-pass-123``
(admin@bench.invalid, support@bench.invalid, member<i>@bench.invalid).
History tables are not filled (they only hold edits; a bench gym has none yet).
The database must be migrated; without --reset it must hold no users.
"""

import argparse
import datetime
import importlib
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

PASSWORD = "bench-pass-123"  # noqa: S105 - published, bench data only
CHECKINS_PER_MEMBER = 40
# name, price, months, share of members
PLANS = [("Monthly", 3000, 1, 0.55), ("Student monthly", 2000, 1, 0.10), ("Quarterly", 8000, 3, 0.22),
         ("Yearly", 30000, 12, 0.13)]  # fmt: skip


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)


def truncate() -> None:
    from django.apps import apps
    from django.db import connection

    keep = {"contenttypes", "auth", "django_q"}
    tables = [m._meta.db_table for m in apps.get_models() if m._meta.app_label not in keep]
    tables += ["accounts_user_groups", "accounts_user_user_permissions"]
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(t for t in tables if t in existing)} RESTART IDENTITY CASCADE")


class Phase:
    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()

    def done(self, name: str, rows: int) -> None:
        now = time.perf_counter()
        print(f"{name:<28} {rows:>10,} rows {now - self.last:7.1f} s", flush=True)
        self.last = now


def main() -> None:  # noqa: PLR0915 - one straight-line build, phase by phase
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50000)
    parser.add_argument("--reset", action="store_true", help="truncate every GymOS table first")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from bench import gen_activity
    from bench.copyrows import copy_rows, copy_through, fix_sequences
    from core.accounts.models import User
    from core.accounts.roles import ROLE_GROUPS
    from core.billing.models import Invoice, InvoiceLine, Payment
    from core.common.models import Counter
    from core.members.models import Member
    from core.memberships.models import Membership, Plan
    from core.staff.models import Trainer

    rnd = random.Random(args.seed)
    n = args.members
    phase = Phase()
    if args.reset:
        truncate()
        phase.done("truncate", 0)
    elif User.objects.exists():
        raise SystemExit("The database already has users: run with --reset.")

    tz = timezone.get_current_timezone()
    now = timezone.now()
    today = timezone.localdate()
    password = make_password(PASSWORD)
    groups = {role: Group.objects.get_or_create(name=name)[0].pk for role, name in ROLE_GROUPS.items()}

    with transaction.atomic():
        # Users: 2 staff, 10 trainers, n members (ids 1..), role groups through the through table.
        staff = [(1, "admin@bench.invalid", "Ada", "Admin", "ADMIN", True), (2, "support@bench.invalid", "Sam", "Desk",
                 "SUPPORT", False)]  # fmt: skip
        staff += [(3 + t, f"trainer{t}@bench.invalid", "Trainer", f"No {t}", "TRAINER", False) for t in range(10)]
        first = len(staff) + 1
        cols = ("id", "email", "first_name", "last_name", "role", "is_superuser", "password", "date_joined")
        rows = [(*s, password, now) for s in staff]
        rows += [
            (first + i, f"member{i}@bench.invalid", rnd.choice(["Rahim", "Karim", "Nadia", "Farhana", "Tanvir", "Sadia",
             "Arif", "Mitu", "Jamal", "Rupa"]), f"Member {i}", "MEMBER", False, password, now)
            for i in range(n)
        ]  # fmt: skip
        copy_rows(User, cols, rows)
        copy_through("accounts_user_groups", ("user_id", "group_id"), [(r[0], groups[r[4]]) for r in rows])
        copy_rows(Trainer, ("id", "user_id", "bio", "specialties"),
                  [(t + 1, 3 + t, "Certified coach.", "Strength, HIIT") for t in range(10)])  # fmt: skip
        phase.done("users + groups + trainers", len(rows))

        plan_ids = []
        for pid, (name, price, months, _) in enumerate(PLANS, start=1):
            copy_rows(Plan, ("id", "name", "price", "interval_count", "interval_unit", "class_credits"),
                      [(pid, name, price, months, "MONTH", 8 if months == 1 else 0)])  # fmt: skip
            plan_ids.append(pid)
        weights = [p[3] for p in PLANS]

        # Members and their membership chains; one invoice + line per term, payments.
        member_rows, ms_rows, inv_rows, line_rows, pay_rows = [], [], [], [], []
        counters: dict[str, int] = {}
        ms_id = inv_id = pay_id = 0
        active_ids: list[int] = []
        for i in range(n):
            member_id = i + 1
            plan_index = rnd.choices(range(len(PLANS)), weights)[0]
            name, price, months, _ = PLANS[plan_index]
            joined = today - datetime.timedelta(days=rnd.randrange(730))
            joined = joined.replace(day=min(joined.day, 28))
            churned = rnd.random() < 0.2
            start, previous, active = joined, None, False
            while start <= today:
                end = add_months(start, months) - datetime.timedelta(days=1)
                ms_id += 1
                inv_id += 1
                year = start.year
                counters[f"invoice:{year}"] = seq = counters.get(f"invoice:{year}", 0) + 1
                due = start + datetime.timedelta(days=7)
                current = start <= today <= end
                roll = rnd.random()
                paid = price if roll < (0.7 if current else 0.96) else (price // 2 if roll < 0.9 else 0)
                status = "PAID" if paid == price else ("PARTIAL" if paid else "ISSUED")
                inv_rows.append((inv_id, f"INV-{year}-{seq:06d}", member_id, f"Member {i}", start, due, price, paid,
                                 status, 1))  # fmt: skip
                line_rows.append((inv_id, inv_id, "MEMBERSHIP", f"{name} {start:%d %b %Y} – {end:%d %b %Y}", 1,
                                  price, price))  # fmt: skip
                if paid:
                    pay_id += 1
                    counters[f"receipt:{year}"] = rseq = counters.get(f"receipt:{year}", 0) + 1
                    at = datetime.datetime.combine(start, datetime.time(10 + rnd.randrange(9)), tz)
                    bkash = rnd.random() < 0.4
                    pay_rows.append((pay_id, inv_id, paid, "BKASH" if bkash else "CASH", f"TRX{pay_id:09d}" if bkash
                                     else "", at, 1, f"RCT-{year}-{rseq:06d}"))  # fmt: skip
                ms_rows.append((ms_id, member_id, plan_ids[plan_index], start, end, price, previous, inv_id, 1))
                active = active or current
                previous = ms_id
                start = end + datetime.timedelta(days=1)
                if churned and rnd.random() < 0.15:
                    break
            if active:
                active_ids.append(member_id)
            member_rows.append((member_id, first + i, f"M{member_id:05d}", f"017{member_id:08d}", str(member_id),
                                "ACTIVE" if active else "INACTIVE", joined, i % 3 == 0,
                                datetime.date(1970 + i % 35, 1 + i % 12, 1 + i % 28)))  # fmt: skip
        copy_rows(Member, ("id", "user_id", "code", "phone", "biometric_id", "status", "joined_on", "whatsapp_opt_in",
                           "date_of_birth"), member_rows)  # fmt: skip
        phase.done("members", len(member_rows))
        copy_rows(Invoice, ("id", "number", "member_id", "customer_name", "issued_on", "due_on", "total",
                            "amount_paid", "status", "issued_by_id"), inv_rows)  # fmt: skip
        copy_rows(InvoiceLine, ("id", "invoice_id", "kind", "description", "quantity", "unit_price", "amount"),
                  line_rows)  # fmt: skip
        phase.done("invoices + lines", len(inv_rows) * 2)
        copy_rows(Payment, ("id", "invoice_id", "amount", "method", "reference", "received_at", "received_by_id",
                            "receipt_number"),
                  pay_rows)  # fmt: skip
        phase.done("payments", len(pay_rows))
        copy_rows(Membership, ("id", "member_id", "plan_id", "starts_on", "ends_on", "price", "renewed_from_id",
                               "invoice_id", "created_by_id"), ms_rows)  # fmt: skip
        phase.done("memberships", len(ms_rows))
        counters["member_code"] = n
        Counter.objects.bulk_create([Counter(name=k, value=v) for k, v in counters.items()])
        del member_rows, ms_rows, inv_rows, line_rows, pay_rows

        gen_activity.build(rnd=rnd, members=n, active_ids=active_ids, first_user=first, phase=phase,
                           checkins_per_member=CHECKINS_PER_MEMBER)  # fmt: skip
        # Member.last_visit_at from the copied check-ins, by the statement its migration runs
        # (the services keep it on every check-in; COPY goes round them).
        backfill = importlib.import_module("core.members.migrations.0003_member_last_visit_at").BACKFILL_SQL
        with connection.cursor() as cursor:
            cursor.execute(backfill)
            phase.done("members' last visits", cursor.rowcount)
        from django.apps import apps

        fix_sequences(
            m._meta.db_table
            for m in apps.get_models()
            if m._meta.app_label not in {"contenttypes", "auth", "django_q"}
            and m._meta.pk.get_internal_type() in ("AutoField", "BigAutoField")
        )

    with connection.cursor() as cursor:
        # VACUUM too: freshly copied rows have no visibility map and unset hint
        # bits, which a live database (autovacuum) would not have.
        cursor.execute("VACUUM ANALYZE")
    phase.done("commit + vacuum analyze", 0)
    print(f"{'total':<28} {'':>10}      {time.perf_counter() - phase.start:7.1f} s")


if __name__ == "__main__":
    main()
