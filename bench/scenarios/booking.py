"""Booking over HTTP: 200 members POST "book" for one 20-seat class at once,
then many members spread over many classes for throughput.

Sessions for the 200 members are minted in the database (what a login POST
leaves behind) because 200 password checks would only time the hasher; the
admin and the portal member of the page scenarios log in with a real POST.
"""

from __future__ import annotations

import datetime
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bench.scenarios.web import Client

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


def make_sessions(count: int, *, capacity: int = 20, days_ahead: int = 2) -> list[int]:
    """Fresh classes for the bench (so earlier bookings do not interfere), included in every plan."""
    from django.db import connection
    from django.utils import timezone

    from core.classes.models import ClassSession, ClassType

    ctype = ClassType.objects.order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO classes_classtype_included_in_plans (classtype_id, plan_id) "
            "SELECT %s, id FROM memberships_plan ON CONFLICT DO NOTHING",
            [ctype.pk],
        )
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
    return [s.pk for s in made]


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
    client = Client(port, cookies)
    if barrier is not None:
        barrier.wait(timeout=60)
    start = time.perf_counter()
    status, _, _ = client.post(f"/portal/classes/{session_id}/book/", {"csrfmiddlewaretoken": CSRF})
    return status, start


def contention(port: int, members: int = 200, capacity: int = 20) -> dict:
    from core.classes.models import Booking

    (session_id,) = make_sessions(1, capacity=capacity)
    users = eligible_users(members)
    cookies = mint_cookies(users)
    barrier = threading.Barrier(len(cookies))
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(cookies)) as pool:
        results = list(pool.map(lambda c: _book(port, c, session_id, barrier), cookies))
    seconds = time.perf_counter() - start
    statuses = [s for s, _ in results]
    rows = list(Booking.objects.filter(session_id=session_id).order_by("created_at", "pk"))
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


def throughput(port: int, sessions: int = 20, per_session: int = 20, threads: int = 16) -> dict:
    from core.classes.models import Booking

    ids = make_sessions(sessions, capacity=per_session, days_ahead=3)
    users = eligible_users(per_session, offset=300)
    cookies = mint_cookies(users)
    jobs = [(cookie, sid) for sid in ids for cookie in cookies]
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        statuses = [s for s, _ in pool.map(lambda j: _book(port, j[0], j[1], None), jobs)]
    seconds = time.perf_counter() - start
    made = Booking.objects.filter(session_id__in=ids).count()
    return {
        "requests": len(jobs),
        "bookings": made,
        "errors": sum(s >= 400 for s in statuses),
        "seconds": round(seconds, 2),
        "bookings_per_s": round(made / seconds, 1),
        "pass": made / seconds >= 100 and made == len(jobs),
    }
