"""Booking over HTTP: 200 members POST "book" for one 20-seat class at once,
then many members spread over many classes for throughput.

Sessions for the 200 members are minted in the database (what a login POST
leaves behind) because 200 password checks would only time the hasher; the
admin and the portal member of the page scenarios log in with a real POST.
Each scenario books into classes of its own and removes them afterwards (with
their bookings, outbox messages and queued send tasks, the minted logins and
the plan links it added), so the data set the page scenarios read stays as
generated.
"""

from __future__ import annotations

import datetime
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bench.scenarios.web import Client, cpu_seconds

CSRF = "benchcsrftoken0123456789abcdefgh"  # a 32-character unmasked token, cookie = form value


def mint_cookies(users) -> list[dict]:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    cookies = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        cookies.append({settings.SESSION_COOKIE_NAME: store.session_key, settings.CSRF_COOKIE_NAME: CSRF})
    return cookies


@dataclass
class BenchClasses:
    """Classes made for one scenario, and what it must remove afterwards."""

    session_ids: list[int]
    linked_plans: list[int]  # plans the scenario linked to the class type
    ormq_floor: int  # queued tasks above this id may be the scenario's
    cookies: list[dict] = field(default_factory=list)


def make_sessions(count: int, *, capacity: int = 20, days_ahead: int = 2) -> BenchClasses:
    """Fresh classes for the bench (so earlier bookings do not interfere), included in every plan."""
    from django.db import connection
    from django.db.models import Max
    from django.utils import timezone
    from django_q.models import OrmQ

    from core.classes.models import ClassSession, ClassType

    ctype = ClassType.objects.order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO classes_classtype_included_in_plans (classtype_id, plan_id) "
            "SELECT %s, id FROM memberships_plan ON CONFLICT DO NOTHING RETURNING plan_id",
            [ctype.pk],
        )
        linked = [row[0] for row in cursor.fetchall()]
    base = timezone.now().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=days_ahead)
    template = ClassSession.objects.filter(class_type=ctype).order_by("pk").first()
    made = ClassSession.objects.bulk_create(
        ClassSession(
            class_type=ctype,
            starts_at=base + datetime.timedelta(minutes=7 * i),
            room=template.room,
            ends_at=base + datetime.timedelta(minutes=7 * i + 60),
            instructor=template.instructor,
            capacity=capacity,
        )  # fmt: skip
        for i in range(count)
    )
    floor = OrmQ.objects.aggregate(top=Max("pk"))["top"] or 0
    return BenchClasses([s.pk for s in made], linked, floor)


def cleanup(made: BenchClasses) -> None:
    """Remove what a scenario added: its classes with their bookings (and history),
    the booking emails and their queued send tasks, the minted logins, the plan links."""
    from django.conf import settings
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django_q.models import OrmQ

    from core.classes.models import Booking, ClassSession
    from core.classes.services.notify import CLASS_BOOKED, WAITLISTED
    from core.notifications.models import Message

    with transaction.atomic():
        booking_ids = Booking.objects.filter(session_id__in=made.session_ids).values_list("pk", flat=True)
        keys = [f"class:booking:{pk}:{event}" for pk in booking_ids for event in (CLASS_BOOKED, WAITLISTED)]
        message_ids = set(Message.objects.filter(dedupe_key__in=keys).values_list("pk", flat=True))
        queued = OrmQ.objects.filter(pk__gt=made.ormq_floor)
        OrmQ.objects.filter(pk__in=[q.pk for q in queued if (q.task.get("args") or [None])[0] in message_ids]).delete()
        Message.objects.filter(pk__in=message_ids).delete()
        ctype = ClassSession.objects.filter(pk__in=made.session_ids).values_list("class_type_id", flat=True).first()
        Booking.objects.filter(session_id__in=made.session_ids).delete()
        ClassSession.objects.filter(pk__in=made.session_ids).delete()
        # After the deletes: they write history rows of their own.
        Booking.history.filter(session_id__in=made.session_ids).delete()
        ClassSession.history.filter(id__in=made.session_ids).delete()
        Session.objects.filter(session_key__in=[c[settings.SESSION_COOKIE_NAME] for c in made.cookies]).delete()
        through = ClassSession.class_type.field.related_model.included_in_plans.through
        through.objects.filter(classtype_id=ctype, plan_id__in=made.linked_plans).delete()


def eligible_users(count: int, offset: int = 0):
    """Active members whose current term covers the next days (so they may book)."""
    from django.utils import timezone

    from core.accounts.models import User

    soon = timezone.localdate() + datetime.timedelta(days=10)
    return list(
        User.objects.filter(
            member__status="ACTIVE",
            member__memberships__status="ACTIVE",
            member__memberships__starts_on__lte=timezone.localdate(),
            member__memberships__ends_on__gte=soon,
            member__memberships__invoice__status="PAID",
        )
        .distinct()
        .order_by("pk")[offset : offset + count]
    )


def _book(port: int, cookies: dict, session_id: int, barrier: threading.Barrier | None) -> tuple[int, float]:
    """POST "book"; returns the status and the request's wall time in seconds."""
    client = Client(port, cookies)
    if barrier is not None:
        barrier.wait(timeout=60)
    start = time.perf_counter()
    status, _, _ = client.post(f"/portal/classes/{session_id}/book/", {"csrfmiddlewaretoken": CSRF})
    return status, time.perf_counter() - start


def contention(port: int, members: int = 200, capacity: int = 20) -> dict:
    from core.classes.models import Booking

    made = make_sessions(1, capacity=capacity)
    (session_id,) = made.session_ids
    try:
        made.cookies = cookies = mint_cookies(eligible_users(members))
        barrier = threading.Barrier(len(cookies))
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=len(cookies)) as pool:
            results = list(pool.map(lambda c: _book(port, c, session_id, barrier), cookies))
        seconds = time.perf_counter() - start
        rows = list(Booking.objects.filter(session_id=session_id).order_by("created_at", "pk"))
    finally:
        cleanup(made)
    statuses = [s for s, _ in results]
    booked = sum(b.status == "BOOKED" for b in rows)
    waitlisted = [b for b in rows if b.status == "WAITLISTED"]
    # Arrival order = commit order (created_at under the session row lock): the
    # first `capacity` are BOOKED and positions follow creation 1, 2, 3...
    in_order = all(b.status == "BOOKED" for b in rows[:capacity]) and [b.waitlist_position for b in waitlisted] == list(
        range(1, len(waitlisted) + 1)
    )
    return {
        "requests": len(cookies),
        "booked": booked,
        "waitlisted": len(waitlisted),
        "errors": sum(s >= 400 for s in statuses),
        "statuses": sorted(set(statuses)),
        "arrival_order": in_order,
        "seconds": round(seconds, 2),
        "pass": booked == capacity
        and len(waitlisted) == len(cookies) - capacity
        and in_order
        and not any(s >= 400 for s in statuses),
    }


def throughput(port: int, worker_pids=None, sessions: int = 20, per_session: int = 20, threads: int = 8) -> dict:
    """``sessions`` x ``per_session`` bookings from ``threads`` clients (each a new
    connection, as a phone on the gym's Wi-Fi would make). Also the
    web workers' CPU per booking (``worker_pids`` returns their pids), which,
    unlike the wall time, does not grow when other work shares the machine."""
    from core.classes.models import Booking

    made = make_sessions(sessions, capacity=per_session, days_ahead=3)
    try:
        made.cookies = cookies = mint_cookies(eligible_users(per_session, offset=300))
        n = len(cookies)
        # Round r books member (s + r) % n on session s: requests in flight together are
        # for different classes and members, so they do not queue on each other's row
        # locks (the contention scenario measures that case).
        jobs = [(cookies[(s + r) % n], sid) for r in range(n) for s, sid in enumerate(made.session_ids)]
        pids = worker_pids() if worker_pids else []
        cpu_before, client_before = cpu_seconds(pids), time.process_time()
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            results = list(pool.map(lambda j: _book(port, j[0], j[1], None), jobs))
        seconds = time.perf_counter() - start
        worker_cpu, client_cpu = cpu_seconds(pids) - cpu_before, time.process_time() - client_before
        made_count = Booking.objects.filter(session_id__in=made.session_ids).count()
    finally:
        cleanup(made)
    statuses = [s for s, _ in results]
    return {
        "requests": len(jobs),
        "bookings": made_count,
        "errors": sum(s >= 400 for s in statuses),
        "seconds": round(seconds, 2),
        "bookings_per_s": round(made_count / seconds, 1),
        "median_request_ms": round(statistics.median(t for _, t in results) * 1000, 1),
        "worker_cpu_ms_per_booking": round(worker_cpu / max(made_count, 1) * 1000, 1) if pids else None,
        "client_cpu_ms_per_booking": round(client_cpu / max(made_count, 1) * 1000, 1),
        "pass": made_count / seconds >= 100 and made_count == len(jobs),
    }
