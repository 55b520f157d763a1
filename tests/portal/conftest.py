"""Fixtures of the portal class pages. None is autouse: a module opts into ``clock`` with
``pytest.mark.usefixtures``."""

import pytest

from tests.core.classes.builders import local, make_class_type, make_member, one_off
from tests.support.classes import TUESDAY


@pytest.fixture
def hiit(db):
    """In no plan: a booking uses a class credit."""
    return make_class_type(title="HIIT", tags=("cardio",))


@pytest.fixture
def member(plan):
    return make_member(plan=plan, first_name="Rafi")


@pytest.fixture
def rafi(client, member):
    """The test client, logged in as the member Rafi."""
    client.force_login(member.user)
    return client


@pytest.fixture
def yoga_tuesday(yoga, trainer, room):
    """Yoga on Tuesday 3 March 18:00-19:00, 3 seats, 12-hour cancel cutoff."""
    return one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, 18), capacity=3)
