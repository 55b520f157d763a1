"""Shared class fixtures. Every test runs on a clock standing at Monday
2 March 2026, 09:00 gym time (Asia/Dhaka by default), moved by the test."""

import datetime

import pytest

from fixtures.factories import AdminFactory
from tests.core.classes.builders import (
    Clock,
    local,
    make_class_type,
    make_member,
    make_plan,
    make_room,
    make_trainer,
    one_off,
)

MONDAY = datetime.date(2026, 3, 2)
TUESDAY = MONDAY + datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch, local(MONDAY, 9))


@pytest.fixture
def plan(db):
    return make_plan(name="Monthly")


@pytest.fixture
def room(db):
    return make_room(name="Studio A", capacity=20)


@pytest.fixture
def trainer(db):
    return make_trainer("Tanvir")


@pytest.fixture
def staff(db):
    return AdminFactory(first_name="Ayesha")


@pytest.fixture
def yoga(plan):
    """Included in ``plan``: members on it book without a credit."""
    return make_class_type(title="Yoga", tags=("mind-body",), plans=(plan,))


@pytest.fixture
def hiit(db):
    """Not included in any plan: a booking uses a class credit."""
    return make_class_type(title="HIIT", tags=("cardio", "strength"))


@pytest.fixture
def member(plan):
    return make_member(plan=plan, first_name="Rafi")


@pytest.fixture
def session(yoga, trainer, room):
    """Yoga on Tuesday 18:00, 10 seats, booking open a week ahead, 12-hour cancel cutoff."""
    return one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, 18), capacity=10)
