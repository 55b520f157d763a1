"""The class world the admin and portal class tests share: the week of Monday 2 March 2026,
a clock standing at 09:00 gym time (Asia/Dhaka), a plan, a room, a trainer and Yoga.

A conftest.py imports the ``*_fixture`` functions (each named without the suffix, so a fixture's
parameters do not shadow the import). The clock is not autouse: a module opts in with
``pytest.mark.usefixtures("clock")``."""

import datetime

import pytest

from tests.core.classes.builders import Clock, local, make_class_type, make_plan, make_room, make_trainer

MONDAY = datetime.date(2026, 3, 2)
TUESDAY = MONDAY + datetime.timedelta(days=1)


@pytest.fixture(name="clock")
def clock_fixture(monkeypatch) -> Clock:
    return Clock(monkeypatch, local(MONDAY, 9))


@pytest.fixture(name="plan")
def plan_fixture(db):
    return make_plan(name="Monthly")


@pytest.fixture(name="room")
def room_fixture(db):
    return make_room(name="Studio A", capacity=20)


@pytest.fixture(name="trainer")
def trainer_fixture(db):
    return make_trainer("Tanvir")


@pytest.fixture(name="yoga")
def yoga_fixture(plan):
    """Included in ``plan``: no credit needed."""
    return make_class_type(title="Yoga", tags=("mind-body",), plans=(plan,))
