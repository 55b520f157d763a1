"""The class world the admin and portal class tests share: the week of Monday 2 March 2026,
a clock standing at 09:00 gym time (Asia/Dhaka), a plan, a room, a trainer and Yoga.

tests/conftest.py registers this module as a pytest plugin, so its fixtures serve every test; a
conftest or module defining the same name wins where it does. Each function is named with a
``_fixture`` suffix, the fixture without it, so a fixture's parameters do not shadow a module name.
The clock is not autouse: a module opts in with ``pytest.mark.usefixtures("clock")``."""

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
