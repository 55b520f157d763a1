"""The nightly status sync and the door's visit updates lock members in the
same order (by id), so a door batch arriving while the sync runs waits for it
instead of deadlocking with it (PostgreSQL would abort one of them, and an
aborted sync leaves statuses stale until the next night).

Real transactions on their own connections: transactional_db."""

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.utils import timezone

from core.accounts.models import User
from core.attendance.services import members_note_visits
from core.members.models import Member
from core.memberships.services import members_sync_status

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 15.0  # seconds: the most any step may take before the test fails


def _heap_order() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM members_member ORDER BY ctid")
        return [row[0] for row in cursor.fetchall()]


def _members_due_to_go_inactive(n: int) -> list[int]:
    """``n`` ACTIVE members with no membership (their terms ended), ids ascending."""
    users = User.objects.bulk_create(
        User(email=f"lock-{i}@example.com", first_name="Lock", role=User.Role.MEMBER) for i in range(n)
    )
    members = Member.all_objects.bulk_create(
        Member(user=user, code=f"L{i:05d}", status=Member.Status.ACTIVE) for i, user in enumerate(users)
    )
    return sorted(m.pk for m in members)


def _blocked_by(pid: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_blocking_pids(%s)", [pid])
        return cursor.fetchone()[0]


def _wait_until_blocked(pid: int, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not _blocked_by(pid):
        assert time.monotonic() < deadline, f"{what} never waited for a row lock"
        time.sleep(0.02)


class _Session(threading.Thread):
    """Runs ``work`` on its own connection (closed at the end), keeping its
    result or the exception it raised; ``pid`` is its backend's."""

    def __init__(self, work: Callable[[], object]):
        super().__init__(daemon=True)
        self._work = work
        self.started_work = threading.Event()
        self.pid: int | None = None
        self.outcome: object = None

    def run(self) -> None:
        try:
            with connection.cursor() as cursor:
                # A wait the test did not plan for errors out instead of hanging the run.
                cursor.execute("SET lock_timeout = %s", [f"{int(WAIT * 1000)}ms"])
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
            self.started_work.set()
            self.outcome = self._work()
        except Exception as exc:  # kept for the test to assert on
            self.outcome = exc
        finally:
            self.started_work.set()
            connection.close()

    def start_and_wait_until_blocked(self, what: str) -> None:
        self.start()
        assert self.started_work.wait(WAIT), f"{what} never started"
        assert self.pid is not None, f"{what} failed to start: {self.outcome!r}"
        _wait_until_blocked(self.pid, what)

    def finish(self, what: str) -> object:
        self.join(WAIT)
        assert not self.is_alive(), f"{what} did not finish"
        return self.outcome


def test_a_door_batch_during_the_nightly_sync_waits_instead_of_deadlocking():
    # given three members A < B < C (by id), all due to go INACTIVE, stored in the heap as B, C, A
    with connection.cursor() as cursor:
        cursor.execute("VACUUM FULL members_member")  # a fresh heap: no dead rows of earlier tests to reuse
    a, b, c = _members_due_to_go_inactive(3)
    Member.all_objects.filter(pk=a).update(address="Moved")  # A's new row version goes after C's
    assert _heap_order() == [b, c, a]  # so a plain UPDATE (sequential scan) meets B, then C, then A
    visit = timezone.now().replace(microsecond=0)

    # and a transaction holding C (a desk edit, say) until released
    release, c_locked = threading.Event(), threading.Event()

    def hold_c():
        with transaction.atomic():
            Member.all_objects.select_for_update().get(pk=c)
            c_locked.set()
            release.wait(WAIT)

    def door_batch():
        with transaction.atomic():
            return members_note_visits(visits=[(a, visit), (b, visit)])

    blocker, sync, door = _Session(hold_c), _Session(members_sync_status), _Session(door_batch)
    try:
        blocker.start()
        assert c_locked.wait(WAIT), f"the blocker never locked C: {blocker.outcome!r}"
        # when the nightly sync starts and waits for C
        sync.start_and_wait_until_blocked("the sync")
        # and a door batch for A and B arrives and waits too
        door.start_and_wait_until_blocked("the door batch")
        # and C is released
    finally:
        release.set()
    outcomes = [s.finish(name) for s, name in ((blocker, "the blocker"), (sync, "the sync"), (door, "the door batch"))]

    # then neither was aborted (no "deadlock detected") and both did their work
    assert outcomes == [None, {"active": 0, "inactive": 3}, 2], outcomes
    rows = Member.all_objects.filter(pk__in=[a, b, c]).order_by("pk").values_list("status", "last_visit_at")
    assert list(rows) == [("INACTIVE", visit), ("INACTIVE", visit), ("INACTIVE", None)]
    assert Member.history.filter(id__in=[a, b, c], history_change_reason="Nightly status sync").count() == 3
