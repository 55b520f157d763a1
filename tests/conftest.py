import pytest
from django.core.cache import cache

from fixtures.factories import AdminFactory, MemberUserFactory, SupportFactory, TrainerUserFactory
from tests.support.mail import temp_password_from

# The class world (clock, plan, room, trainer, yoga) the admin and portal tests share.
pytest_plugins = ["tests.support.classes"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # Transactional tests end with a flush that also empties the role groups
    # the data migrations made; with --reuse-db the next session would start
    # without them (support staff then get 403 everywhere). Idempotent.
    from core.accounts.roles import sync_role_groups

    with django_db_blocker.unblock():
        sync_role_groups()


@pytest.fixture(autouse=True)
def _role_groups_present(request):
    # A transactional test ends with a flush that empties the role groups the
    # data migrations made; tests after it in the same session need them back.
    marker = request.node.get_closest_marker("django_db")
    uses_db = marker is not None or {"db", "transactional_db"} & set(request.fixturenames)
    if not uses_db or (marker is not None and marker.kwargs.get("available_apps")):
        return  # a test limited to some apps has no auth tables to fill
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.contrib.auth.models import Group

    from core.accounts.roles import ROLE_GROUPS, sync_role_groups

    if not Group.objects.filter(name=ROLE_GROUPS["SUPPORT"], permissions__isnull=False).exists():
        sync_role_groups()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth keeps login rate-limit counters in the (LocMem) cache; without
    # this, logins in one test count against the next.
    cache.clear()


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


@pytest.fixture
def provision(db, django_capture_on_commit_callbacks, mailoutbox):
    """provision(email=..., role=..., ...) -> (user, temporary password read from the welcome email).

    Calls user_provision and runs the on-commit send, as the worker would."""
    from core.accounts.services import user_provision

    def _provision(**kwargs):
        kwargs.setdefault("first_name", "Nadia")
        sent_before = len(mailoutbox)
        with django_capture_on_commit_callbacks(execute=True):
            user = user_provision(**kwargs)
        assert len(mailoutbox) == sent_before + 1, "the welcome email was not sent"
        user.refresh_from_db()
        return user, temp_password_from(mailoutbox[-1])

    return _provision
