"""The database as a fingerprint, for "no GET changes state": per table, its
row count and an md5 of every row read as text (PostgreSQL's row-to-text
cast, sorted so the order rows are stored in does not matter), plus the demo
gym topped up so every model with an admin page has at least one row.

Excluded tables, and why:
- django_session: the test client's login lives there; a session is the
  visitor's own state, not the gym's (and reading a page may refresh it).
- django_cache*: a database cache is a cache (none is configured today).
Nothing else, last_login included: every client logs in before the first
fingerprint, and no GET may log anyone in.
"""

import datetime

from allauth.account.models import EmailAddress
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.utils import timezone
from django_q.models import OrmQ, Schedule, Task

from core.attendance.services import checkin_manual
from core.billing.models import BkashCheckout, WebhookEvent
from core.common.actors import system_actor
from core.members.models import Member
from core.support.services import ticket_open
from devices.commands import device_command_queue, userinfo_command
from devices.models import Device, DeviceUser, Punch
from fixtures.demo import seed_demo
from tests.core.billing.builders import issue, make_pack
from tests.core.members.builders import image_upload

EXCLUDED_TABLES = ("django_session", "django_cache")
PUSH_SERIAL = "SWEEP0000001"


def tables() -> list[str]:
    return sorted(t for t in connection.introspection.table_names() if not t.startswith(EXCLUDED_TABLES))


def fingerprint(names: list[str]) -> dict[str, tuple[int, str]]:
    """{table: (rows, md5 of the sorted rows as text)} in one statement."""
    qn = connection.ops.quote_name
    row = "SELECT %s, count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {} AS t"
    parts = [row.format(qn(name)) for name in names]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), names)  # noqa: S608 - quoted introspected table names only
        return {name: (count, digest) for name, count, digest in cursor.fetchall()}


def writes_so_far() -> dict[str, tuple[int, int, int]]:
    """{table: (inserted, updated, deleted)} by this transaction so far, from PostgreSQL's own counters:
    they see a write even when it stored the same values (which a checksum cannot)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables")
        return {name: tuple(counts) for name, *counts in cursor.fetchall()}


def seed_world() -> dict[str, object]:
    """The demo gym plus a row for each model the demo leaves empty; returns the objects URLs need."""
    with system_actor():
        seed_demo()
    member = Member.objects.filter(user__isnull=False, deleted_at__isnull=True).order_by("pk").first()
    invoice = issue(member=member, total="750.00")
    BkashCheckout.objects.create(
        invoice=invoice, bkash_payment_id="TR0011SWEEP", amount=invoice.total, status=BkashCheckout.Status.FAILED
    )
    WebhookEvent.objects.create(source="bkash", event_id="sweep-1", payload={"trxID": "SWEEP"})
    device = Device.objects.create(name="Sweep push", mode=Device.Mode.PUSH, serial_number=PUSH_SERIAL)
    DeviceUser.objects.create(device=device, user_id="77", member=member, state=DeviceUser.State.ENABLED)
    device_command_queue(device=device, command=userinfo_command(pin="77", name="Sweep", state="ENABLED"), pin="77")
    checkin = checkin_manual(member=member, by=None, note="sweep")
    Punch.objects.create(device=device, device_user_id="77", punched_at=checkin.at, checkin=checkin)
    Task.objects.create(
        id="sweep", name="sweep", func="math.floor", started=timezone.now(), stopped=timezone.now(), success=True
    )
    Task.objects.create(
        id="sweep-failed", name="sweep-failed", func="math.floor", started=timezone.now(), stopped=timezone.now(),
        success=False,
    )  # fmt: skip
    Schedule.objects.create(name="sweep", func="math.floor", schedule_type=Schedule.DAILY)
    OrmQ.objects.create(key="sweep", payload="x", lock=timezone.now() - datetime.timedelta(minutes=1))
    ticket_open(
        member=member, subject="Locker", category="OTHER", body="It sticks.", by=member.user,
        attachment=image_upload(size=(32, 32), name="locker.png"),
    )  # fmt: skip
    EmailAddress.objects.create(user=member.user, email=member.user.email, primary=True, verified=True)
    LogEntry.objects.create(user=member.user, object_repr="sweep", action_flag=1)
    return {"member": member, "pack": make_pack(), "push_device": device}
