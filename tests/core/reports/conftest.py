import pytest

from tests.core.reports.world import Clock, build_world


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def world(db, clock):
    return build_world()
