"""seed_demo: the demo gym, idempotent, refused on a production-like setup."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from core.accounts.models import User
from core.common.actors import SYSTEM_USER_EMAIL
from fixtures.demo import DEMO_PEOPLE

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    """Rows in every table Django manages (domain, history, groups, permissions)."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_refused_with_debug_off_unless_allowed(settings):
    # given: tests run like production
    assert settings.DEBUG is False
    before = row_counts()
    # when
    with pytest.raises(CommandError) as exc:
        seed()
    # then
    assert "runs only with DEBUG on" in str(exc.value)
    assert "--allow-production" in str(exc.value)
    assert row_counts() == before


def test_seeding_twice_gives_the_same_rows():
    # given
    seed("--allow-production")
    after_first = row_counts()
    # when
    seed("--allow-production")
    # then
    assert row_counts() == after_first
    assert after_first["accounts.User"] >= len(DEMO_PEOPLE)
    assert after_first["accounts.HistoricalUser"] >= len(DEMO_PEOPLE)
    # and every demo row was made by the named system user, not "None"
    demo_history = User.history.filter(email__in=[p.email for p in DEMO_PEOPLE])
    assert {row.history_user.email for row in demo_history} == {SYSTEM_USER_EMAIL}


def test_demo_people_exist_with_their_roles_and_printed_passwords(client):
    # when
    output = seed("--allow-production")
    # then
    roles = {p.role for p in DEMO_PEOPLE}
    assert {"ADMIN", "SUPPORT", "TRAINER", "MEMBER"} <= roles
    assert sum(p.role == "TRAINER" for p in DEMO_PEOPLE) == 2
    for person in DEMO_PEOPLE:
        user = User.objects.get(email=person.email)
        assert (user.role, user.is_demo, user.must_change_password) == (person.role, True, False)
        assert user.check_password(person.password)
        assert person.email in output and person.password in output
    # and a printed login works
    admin = next(p for p in DEMO_PEOPLE if p.role == "ADMIN")
    login = client.post("/accounts/login/", {"login": admin.email, "password": admin.password})
    assert login.status_code == 302
    assert client.get("/admin/").status_code == 200
