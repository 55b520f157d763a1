"""Shared class fixtures. Every test runs on a clock standing at Monday
2 March 2026, 09:00 gym time (Asia/Dhaka by default), moved by the test."""

import pytest

from fixtures.factories import AdminFactory
from tests.core.classes.builders import Clock, local, make_class_type, make_member, one_off
from tests.support.classes import MONDAY, TUESDAY

__all__ = ["MONDAY", "TUESDAY"]  # plan, room, trainer and yoga come from the tests.support.classes plugin


@pytest.fixture(autouse=True)
def clock(monkeypatch) -> Clock:
    """Autouse here: every domain test of classes runs on the gym's clock."""
    return Clock(monkeypatch, local(MONDAY, 9))


@pytest.fixture
def staff(db):
    return AdminFactory(first_name="Ayesha")


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
