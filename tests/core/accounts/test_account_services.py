"""Back-office account services: who may change whom."""

import pytest
from django.core.exceptions import ValidationError

from core.accounts.models import User
from core.accounts.roles import ROLE_GROUPS
from core.accounts.services import user_activate, user_deactivate, user_send_new_temp_password, user_update

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("service", [user_deactivate, user_activate, user_send_new_temp_password])
@pytest.mark.parametrize("target", ["trainer_user", "admin_user"])
def test_support_cannot_manage_staff_or_trainer_accounts(request, support_user, service, target):
    # given
    other = request.getfixturevalue(target)
    # when
    with pytest.raises(ValidationError) as exc:
        service(user=other, by=support_user)
    # then
    assert exc.value.messages[0].startswith(f"Only an admin can manage the account of {other.email}")
    other.refresh_from_db()
    assert other.is_active is True
    assert other.must_change_password is False


def test_support_deactivates_and_reactivates_a_member(support_user, member_user):
    user_deactivate(user=member_user, by=support_user)
    member_user.refresh_from_db()
    assert member_user.is_active is False
    user_activate(user=member_user, by=support_user)
    member_user.refresh_from_db()
    assert member_user.is_active is True


def test_gymos_itself_may_deactivate_any_account(trainer_user):
    # by=None: a job or another service acting, not a person
    user_deactivate(user=trainer_user)
    trainer_user.refresh_from_db()
    assert trainer_user.is_active is False


def test_new_temporary_password_locks_the_old_password_at_once(
    admin_user, member_user, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=False):
        user_send_new_temp_password(user=member_user, by=admin_user)
    # then: until the email goes out, no password works
    member_user.refresh_from_db()
    assert member_user.has_usable_password() is False
    assert member_user.must_change_password is True


def test_support_cannot_change_roles(support_user, member_user):
    with pytest.raises(ValidationError) as exc:
        user_update(user=member_user, by=support_user, role=User.Role.ADMIN)
    assert exc.value.messages == ["Only an admin can change staff accounts, roles or permissions."]
    member_user.refresh_from_db()
    assert member_user.role == User.Role.MEMBER


def test_admin_cannot_demote_or_deactivate_themselves(admin_user):
    for change in ({"role": User.Role.MEMBER}, {"is_active": False}):
        with pytest.raises(ValidationError) as exc:
            user_update(user=admin_user, by=admin_user, **change)
        assert exc.value.messages == ["You cannot deactivate your own account or change your own role."]
    admin_user.refresh_from_db()
    assert (admin_user.role, admin_user.is_active) == (User.Role.ADMIN, True)


def test_email_change_is_normalised_and_must_stay_unique(admin_user, member_user, trainer_user):
    # when
    user_update(user=member_user, by=admin_user, email="  New.Address@Example.COM ")
    # then
    member_user.refresh_from_db()
    assert member_user.email == "new.address@example.com"
    with pytest.raises(ValidationError) as exc:
        user_update(user=trainer_user, by=admin_user, email="NEW.address@example.com")
    assert exc.value.message_dict == {"email": ["Another account already uses new.address@example.com."]}


def test_role_change_moves_the_role_group(admin_user, member_user):
    user_update(user=member_user, by=admin_user, role=User.Role.SUPPORT)
    assert list(member_user.groups.values_list("name", flat=True)) == [ROLE_GROUPS["SUPPORT"]]
    assert User.objects.get(pk=member_user.pk).is_staff is True


def test_role_groups_can_be_synced_again_without_harm():
    # given: the groups exist (data migrations); a session or command syncs them again
    from django.apps import apps
    from django.contrib.auth.models import Group

    from core.accounts.roles import sync_role_groups

    before = {g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()}
    # when
    sync_role_groups()
    # then: same groups and rights, and the app registry is left as it was
    after = {g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()}
    assert after == before
    assert "view_user" in after[ROLE_GROUPS["SUPPORT"]]
    assert apps.get_app_config("accounts").models_module is not None


def test_a_login_adds_no_history_row_but_a_real_change_does(client, member_user):
    # given
    rows_before = member_user.history.count()
    # when: logging in stamps last_login, a field kept out of history
    client.post("/accounts/login/", {"login": member_user.email, "password": "Test-password-2026"})
    member_user.refresh_from_db()
    # then
    assert member_user.last_login is not None
    assert member_user.history.count() == rows_before
    # when: a field that history keeps changes
    member_user.first_name = "Mina"
    member_user.save(update_fields=["first_name"])
    # then
    assert member_user.history.count() == rows_before + 1
    assert member_user.history.latest("history_id").first_name == "Mina"
