import pytest

from fixtures.factories import AdminFactory, MemberUserFactory, SupportFactory, TrainerUserFactory


@pytest.fixture
def admin_user(db):
    return AdminFactory(first_name="Ada")


@pytest.fixture
def support_user(db):
    return SupportFactory(first_name="Sam")


@pytest.fixture
def trainer_user(db):
    return TrainerUserFactory(first_name="Tia")


@pytest.fixture
def member_user(db):
    return MemberUserFactory(first_name="Mia")


@pytest.fixture
def client_for(client):
    """client_for(user) -> a test client logged in as that user (or anonymous for None)."""

    def _login(user):
        if user is not None:
            client.force_login(user)
        return client

    return _login
