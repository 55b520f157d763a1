"""Test data for members and memberships, built through the services (the way
the admin builds it), plus a clock that moves "today" for the services.

Shared by tests/core/members, tests/core/memberships and tests/jobs until
fixtures/factories.py has PlanFactory/MemberFactory.
"""

import datetime
import io
import itertools
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from core.accounts.models import User
from core.members.models import Member
from core.members.services import member_create
from core.memberships.models import Membership, Plan
from core.memberships.services import membership_create

_seq = itertools.count(1)
DAY = datetime.timedelta(days=1)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def make_plan(
    *,
    name: str | None = None,
    price: str = "1500.00",
    count: int = 1,
    unit: str = Plan.IntervalUnit.MONTH,
    is_active: bool = True,
) -> Plan:
    plan = Plan(
        name=name or f"Plan {next(_seq)}",
        price=Decimal(price),
        interval_count=count,
        interval_unit=unit,
        is_active=is_active,
    )
    plan.full_clean()
    plan.save()
    return plan


def make_member(*, first_name: str = "Rafi", email: str | None = None, **profile) -> Member:
    return member_create(email=email or f"member-{next(_seq)}@example.com", first_name=first_name, **profile)


def sell(member: Member, plan: Plan, starts_on: datetime.date) -> Membership:
    return membership_create(member=member, plan=plan, starts_on=starts_on)


def reload(member: Member) -> Member:
    return Member.all_objects.get(pk=member.pk)


def inactive_since(member: Member, n_days: int) -> Member:
    """Move the member's last status change (and creation) ``n_days`` into the past: time passing."""
    moment = timezone.now() - days(n_days)
    Member.all_objects.filter(pk=member.pk).update(status_changed_at=moment, created_at=moment)
    return reload(member)


def image_upload(
    *, size: tuple[int, int] = (1600, 1200), fmt: str = "PNG", name: str = "me.png", mode: str = "RGB"
) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new(mode, size, color=(200, 40, 40) if mode == "RGB" else None).save(out, format=fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{fmt.lower()}")


def stale_members(n: int, *, plan: Plan, today: datetime.date) -> list[Member]:
    """``n`` members who should be ACTIVE but are INACTIVE, and ``n`` the
    other way round, written in bulk (no history, no status refresh): the
    state the nightly job finds after a day has passed."""
    start = next(_seq) * 1000
    users = User.objects.bulk_create(
        User(email=f"stale-{start + i}@example.com", first_name="Stale", role=User.Role.MEMBER) for i in range(2 * n)
    )
    members = Member.all_objects.bulk_create(
        Member(
            user=user,
            code=f"S{start + i:07d}",
            status=Member.Status.INACTIVE if i < n else Member.Status.ACTIVE,
        )
        for i, user in enumerate(users)
    )
    Membership.objects.bulk_create(
        Membership(member=m, plan=plan, starts_on=today - days(3), ends_on=today + days(20), price=plan.price)
        for m in members[:n]
    )
    return members


class Clock:
    """Moves the date the services see (``timezone.localdate()``)."""

    def __init__(self, monkeypatch):
        self._monkeypatch = monkeypatch
        self._real = timezone.localdate

    def travel(self, day: datetime.date) -> None:
        real = self._real

        def localdate(value=None, tz=None):
            return day if value is None else real(value, tz)

        self._monkeypatch.setattr(timezone, "localdate", localdate)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def plan(db) -> Plan:
    return make_plan(name="Monthly", price="2000.00")


@pytest.fixture
def media_root(settings, tmp_path):
    """Files go to a temporary MEDIA_ROOT for the test."""
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": None},
        },
    }
    return tmp_path
