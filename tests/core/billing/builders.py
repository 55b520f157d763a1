"""Test data for billing, built the way the admin builds it (services, or
full_clean() + save() for catalogue rows that have no service).

Plain functions rather than fixtures: tests/core/billing/conftest.py belongs to
the bKash tests (and its ``client`` fixture shadows pytest-django's). Swap for
PlanFactory/MemberFactory once fixtures/factories.py has them.
"""

import datetime
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from core.billing.models import ClassPack, Invoice
from core.billing.services.invoices import LineSpec, invoice_issue
from core.members.models import Member
from core.members.services import member_create_for_user
from core.memberships.models import Plan
from fixtures.factories import MemberUserFactory

_seq = itertools.count(1)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def today() -> datetime.date:
    return timezone.localdate()


def make_member(*, first_name: str = "Nusrat", last_name: str = "Jahan") -> Member:
    user = MemberUserFactory(first_name=first_name, last_name=last_name, email=f"billing-{next(_seq)}@example.com")
    return member_create_for_user(user=user)


def make_plan(*, price: str = "1500.00", count: int = 1, unit: str = Plan.IntervalUnit.MONTH) -> Plan:
    plan = Plan(name=f"Billing plan {next(_seq)}", price=Decimal(price), interval_count=count, interval_unit=unit)
    plan.full_clean()
    plan.save()
    return plan


def make_pack(*, credits: int = 10, price: str = "2000.00", validity_days: int = 60, is_active: bool = True):
    pack = ClassPack(
        name=f"Pack {next(_seq)}",
        credits=credits,
        price=Decimal(price),
        validity_days=validity_days,
        is_active=is_active,
    )
    pack.full_clean()
    pack.save()
    return pack


def issue(*, total: str = "1000.00", member: Member | None = None, **kwargs) -> Invoice:
    """An invoice of one line for ``total`` (a walk-in customer unless a member is given)."""
    if member is None:
        kwargs.setdefault("customer_name", "Walk-in Karim")
    return invoice_issue(member=member, lines=[LineSpec(description="Personal training", unit_price=total)], **kwargs)


def reload(obj):
    return type(obj)._default_manager.get(pk=obj.pk)


def member_status(member: Member) -> str:
    return Member.all_objects.get(pk=member.pk).status


def run_in_threads(n: int, work: Callable[[int], object], *, timeout: float = 60.0) -> list:
    """Run ``work(i)`` in ``n`` threads released together; each thread has its
    own database connection, closed when it ends. Returns each result, or the
    exception it raised. Bounded by ``timeout`` seconds."""
    start = threading.Barrier(n, timeout=timeout)

    def _run(i: int):
        try:
            start.wait()
            return work(i)
        except Exception as exc:  # collected for the test to assert on
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(_run, i) for i in range(n)]
        return [f.result(timeout=timeout) for f in futures]


class QueueRecorder:
    """Stands in for ``enqueue`` where a test is about the transaction, not the
    job: records what would be queued instead of rendering PDFs in threads."""

    def __init__(self):
        self.calls: list[tuple] = []
        self._lock = threading.Lock()

    def __call__(self, task_path: str, *args, **kwargs) -> None:
        from django.db import transaction

        def _record():
            with self._lock:
                self.calls.append((task_path, *args))

        transaction.on_commit(_record)  # like the real one: only what commits is queued

    def args_for(self, task_path: str) -> list:
        return [call[1] for call in self.calls if call[0] == task_path]
