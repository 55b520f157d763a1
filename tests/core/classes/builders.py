"""Test data for classes, built through the services (the way the admin and
portal build it), and a clock the services read their "now" from.

The catalogue (rooms, tags, class types) has no services: rows are made with
full_clean() + save(), as the admin's model forms do.
"""

import datetime
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.db import connection
from django.utils import timezone

from core.accounts.models import User
from core.billing.models import ClassCredit
from core.classes.models import ClassSession, ClassTag, ClassType, Room
from core.classes.services.schedules import schedule_create
from core.members.models import Member
from core.members.services import member_create_for_user
from core.memberships.models import Membership, Plan
from core.memberships.services import membership_create
from fixtures.factories import MemberUserFactory, TrainerUserFactory

_seq = itertools.count(1)


class Clock:
    """Stands still at ``now`` until moved; ``timezone.now()`` (and so
    localdate, auto_now fields and history dates) read it."""

    def __init__(self, monkeypatch, start: datetime.datetime):
        self.now = start
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def travel(self, to: datetime.datetime) -> None:
        self.now = to

    def advance(self, **delta) -> None:
        self.now += datetime.timedelta(**delta)


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """An aware datetime at ``hour:minute`` on ``day`` in the gym's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def make_room(*, name: str | None = None, capacity: int = 20) -> Room:
    room = Room(name=name or f"Studio {next(_seq)}", capacity=capacity)
    room.full_clean()
    room.save()
    return room


def make_tag(name: str) -> ClassTag:
    return ClassTag.objects.get_or_create(name=name)[0]


def make_class_type(
    *, title: str | None = None, tags: tuple[str, ...] = (), plans: tuple[Plan, ...] = (), capacity: int = 20
) -> ClassType:
    class_type = ClassType(title=title or f"Class {next(_seq)}", default_capacity=capacity, default_duration_minutes=60)
    class_type.full_clean()
    class_type.save()
    class_type.tags.set([make_tag(t) for t in tags])
    class_type.included_in_plans.set(plans)
    return class_type


def make_plan(*, name: str | None = None) -> Plan:
    plan = Plan(name=name or f"Plan {next(_seq)}", price="2000.00", interval_count=1, interval_unit="MONTH")
    plan.full_clean()
    plan.save()
    return plan


def make_trainer(first_name: str = "Tanvir") -> User:
    return TrainerUserFactory(first_name=first_name, email=f"trainer-{next(_seq)}@example.com")


def make_member(*, plan: Plan | None = None, first_name: str = "Rafi", starts_on=None) -> Member:
    """A member with a login and, if ``plan`` is given, a membership from ``starts_on`` (today)."""
    user = MemberUserFactory(first_name=first_name, email=f"classes-{next(_seq)}@example.com")
    member = member_create_for_user(user=user)
    if plan is not None:
        membership_create(member=member, plan=plan, starts_on=starts_on or timezone.localdate())
    return Member.all_objects.get(pk=member.pk)


def give_credits(member: Member, *, total: int = 5, expires_on: datetime.date | None = None, used: int = 0):
    credit = ClassCredit(
        member=member,
        total=total,
        used=used,
        expires_on=expires_on or timezone.localdate() + datetime.timedelta(days=60),
        note="Test pack",
    )
    credit.full_clean()
    credit.save()
    return credit


def one_off(
    *, class_type: ClassType, instructor: User, room: Room, starts_at: datetime.datetime, **kwargs
) -> ClassSession:
    """A one-off class at ``starts_at`` (aware); returns its session."""
    at = timezone.localtime(starts_at)
    schedule = schedule_create(
        class_type=class_type,
        instructor=instructor,
        room=room,
        starts_on=at.date(),
        start_time=at.time(),
        **kwargs,
    )
    return schedule.sessions.get()


def reload(obj):
    return type(obj)._base_manager.get(pk=obj.pk)


def membership_of(member: Member) -> Membership:
    return Membership.objects.filter(member=member).latest("starts_on")


def run_in_threads(n: int, work: Callable[[int], object], *, timeout: float = 60.0) -> list:
    """Run ``work(i)`` in ``n`` threads released together, each on its own
    database connection (closed when it ends). Returns each result or the
    exception raised. Bounded by ``timeout`` seconds."""
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


def many_members(n: int, *, plan: Plan) -> list[Member]:
    """``n`` ACTIVE members on ``plan`` from today, written in bulk (a handful
    of queries): for load tests, where the members are not what is tested."""
    start = next(_seq) * 1000
    users = User.objects.bulk_create(
        User(email=f"load-{start + i}@example.com", first_name=f"Load{i}", role=User.Role.MEMBER) for i in range(n)
    )
    members = Member.all_objects.bulk_create(
        Member(user=user, code=f"L{start + i:07d}", status=Member.Status.ACTIVE) for i, user in enumerate(users)
    )
    today = timezone.localdate()
    Membership.objects.bulk_create(
        Membership(member=m, plan=plan, starts_on=today, ends_on=today + datetime.timedelta(days=29), price=plan.price)
        for m in members
    )
    return members
