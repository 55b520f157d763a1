"""Every staff test runs on the classes' clock: Monday 2 March 2026, 09:00 gym time."""

import pytest

from tests.core.classes.conftest import MONDAY, TUESDAY, clock, staff  # noqa: F401
from tests.core.staff.builders import trainer_profile

__all__ = ["MONDAY", "TUESDAY"]


@pytest.fixture
def tanvir(db):
    return trainer_profile("Tanvir")


@pytest.fixture
def nusrat(db):
    return trainer_profile("Nusrat")
