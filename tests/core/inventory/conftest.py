import pytest

from fixtures.factories import SupportFactory


@pytest.fixture
def clerk(db):
    """The person at the desk (every movement names who made it)."""
    return SupportFactory(first_name="Sabbir")
