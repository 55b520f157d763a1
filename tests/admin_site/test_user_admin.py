"""The accounts admin: provisioning, limits of support staff, history."""

import pytest
from django.contrib.admin.models import LogEntry

from core.accounts.models import User
from core.accounts.roles import ROLE_GROUPS
from core.notifications.models import Message
from fixtures.factories import MemberUserFactory

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/accounts/user/add/"


def change_url(user: User) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


def add_form(**overrides) -> dict:
    return {"email": "nadia@example.com", "first_name": "Nadia", "last_name": "Karim", "role": "MEMBER", **overrides}


def change_form(user: User, **overrides) -> dict:
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on" if user.is_active else "",
        "role": user.role,
        **overrides,
    }
    return {k: v for k, v in data.items() if v != ""}


@pytest.mark.parametrize(
    "path",
    ["/admin/accounts/user/", "/admin/accounts/user/?role__exact=MEMBER", "/admin/accounts/user/?staff=1", ADD_URL],
)
@pytest.mark.parametrize("role", ["admin_user", "support_user"])
def test_user_pages_render_for_staff(client, request, role, path, member_user):
    client.force_login(request.getfixturevalue(role))
    assert client.get(path).status_code == 200


def test_change_and_history_pages_render_for_admin(client, admin_user, member_user):
    # given
    client.force_login(admin_user)
    client.post(change_url(member_user), change_form(member_user, first_name="Mina"))
    # when
    change = client.get(change_url(member_user))
    history = client.get(f"/admin/accounts/user/{member_user.pk}/history/")
    # then
    assert change.status_code == 200
    assert history.status_code == 200
    assert admin_user.email in history.content.decode()  # the "who" of the edit


def test_changelist_search_finds_by_email(client, admin_user, member_user):
    client.force_login(admin_user)
    page = client.get("/admin/accounts/user/", {"q": member_user.email.split("@")[0]})
    assert member_user.email in page.content.decode()


def test_admin_provisions_a_trainer_from_the_add_form(client, admin_user, django_capture_on_commit_callbacks):
    # given
    client.force_login(admin_user)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ADD_URL, add_form(role="TRAINER"), follow=True)
    # then
    assert response.status_code == 200
    assert "A welcome email with a temporary password is on its way to nadia@example.com." in response.content.decode()
    user = User.objects.get(email="nadia@example.com")
    assert user.role == User.Role.TRAINER
    assert user.must_change_password is True
    assert list(user.groups.values_list("name", flat=True)) == [ROLE_GROUPS["TRAINER"]]
    assert Message.objects.get(user=user).status == Message.Status.SENT
    assert user.history.earliest("history_id").history_user == admin_user


def test_support_provisions_a_member(client, support_user, django_capture_on_commit_callbacks):
    client.force_login(support_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ADD_URL, add_form())
    user = User.objects.get(email="nadia@example.com")
    assert user.role == User.Role.MEMBER
    assert Message.objects.filter(user=user, template="welcome").count() == 1


def test_support_add_form_offers_only_the_member_role(client, support_user):
    client.force_login(support_user)
    form = client.get(ADD_URL).context["adminform"].form
    assert list(form.fields["role"].choices) == [("MEMBER", "Member")]
    assert "groups" not in form.fields


@pytest.mark.parametrize("role", ["TRAINER", "SUPPORT", "ADMIN"])
def test_support_cannot_provision_staff_roles(client, support_user, role):
    # given
    client.force_login(support_user)
    # when
    response = client.post(ADD_URL, add_form(role=role))
    # then
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["role"]
    assert not User.objects.filter(email="nadia@example.com").exists()
    assert not Message.objects.exists()


@pytest.mark.parametrize("duplicate", ["mia@example.com", "MIA@Example.com", " Mia@example.COM "])
def test_add_form_with_a_duplicate_email_shows_the_error_and_creates_nothing(client, admin_user, duplicate):
    # given
    MemberUserFactory(email="mia@example.com")
    client.force_login(admin_user)
    users_before = User.objects.count()
    # when
    response = client.post(ADD_URL, add_form(email=duplicate))
    # then
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == [
        "An account with the email mia@example.com already exists."
    ]
    assert User.objects.count() == users_before
    assert not Message.objects.exists()


def test_add_form_with_an_invalid_email_shows_the_error(client, admin_user):
    client.force_login(admin_user)
    response = client.post(ADD_URL, add_form(email="nadia-at-example"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"]
    assert not User.objects.filter(first_name="Nadia").exists()


def test_support_can_edit_a_member(client, support_user, member_user):
    # given
    client.force_login(support_user)
    # when
    response = client.post(change_url(member_user), change_form(member_user, first_name="Mina"))
    # then
    assert response.status_code == 302
    member_user.refresh_from_db()
    assert member_user.first_name == "Mina"


@pytest.mark.parametrize("target", ["trainer_user", "admin_user"])
def test_support_cannot_change_trainer_or_admin_accounts(client, request, support_user, target):
    # given
    other = request.getfixturevalue(target)
    client.force_login(support_user)
    # when
    page = client.get(change_url(other))
    response = client.post(change_url(other), change_form(other, first_name="Hacked", role="MEMBER"))
    # then: they can look, not change
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.first_name != "Hacked"
    assert other.role != User.Role.MEMBER


def test_support_cannot_promote_a_member(client, support_user, member_user):
    # given
    client.force_login(support_user)
    # when
    client.post(change_url(member_user), change_form(member_user, role="ADMIN"))
    # then
    member_user.refresh_from_db()
    assert member_user.role == User.Role.MEMBER


def test_admin_changes_a_role_and_the_role_group_follows(client, admin_user, member_user):
    # given
    client.force_login(admin_user)
    # when
    response = client.post(change_url(member_user), change_form(member_user, role="TRAINER"))
    # then
    assert response.status_code == 302
    member_user.refresh_from_db()
    assert member_user.role == User.Role.TRAINER
    assert list(member_user.groups.values_list("name", flat=True)) == [ROLE_GROUPS["TRAINER"]]


def test_edit_to_a_duplicate_email_is_refused(client, admin_user, member_user):
    # given
    other = MemberUserFactory(email="taken@example.com")
    client.force_login(admin_user)
    # when
    response = client.post(change_url(member_user), change_form(member_user, email="TAKEN@example.com"))
    # then
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == ["Another account already uses taken@example.com."]
    member_user.refresh_from_db()
    assert member_user.email != other.email


def test_a_change_the_service_refuses_is_not_reported_as_saved(client, admin_user):
    # given: an admin unticks "active" on their own account
    client.force_login(admin_user)
    # when
    response = client.post(change_url(admin_user), change_form(admin_user, is_active=""), follow=True)
    # then: told why, not told it worked, nothing saved or logged
    body = response.content.decode()
    assert "You cannot deactivate your own account or change your own role." in body
    assert "was changed successfully" not in body
    assert response.redirect_chain == [(change_url(admin_user), 302)]
    admin_user.refresh_from_db()
    assert admin_user.is_active is True
    assert not LogEntry.objects.filter(object_id=str(admin_user.pk)).exists()


def test_admin_cannot_deactivate_themselves(client, admin_user):
    # given
    client.force_login(admin_user)
    # when
    response = client.post(
        "/admin/accounts/user/",
        {"action": "deactivate", "_selected_action": [admin_user.pk], "index": 0},
        follow=True,
    )
    # then
    assert "You cannot deactivate your own account." in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active is True


def test_deactivate_and_activate_actions(client, admin_user, member_user):
    client.force_login(admin_user)
    client.post("/admin/accounts/user/", {"action": "deactivate", "_selected_action": [member_user.pk], "index": 0})
    member_user.refresh_from_db()
    assert member_user.is_active is False
    client.post("/admin/accounts/user/", {"action": "activate", "_selected_action": [member_user.pk], "index": 0})
    member_user.refresh_from_db()
    assert member_user.is_active is True


def test_accounts_cannot_be_deleted(client, admin_user, member_user):
    client.force_login(admin_user)
    assert client.post(f"/admin/accounts/user/{member_user.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=member_user.pk).exists()


@pytest.mark.parametrize("action", ["deactivate", "send_new_temp_password"])
@pytest.mark.parametrize("target", ["trainer_user", "admin_user"])
def test_support_actions_cannot_touch_trainer_or_admin_accounts(client, request, support_user, action, target):
    # given
    other = request.getfixturevalue(target)
    client.force_login(support_user)
    # when
    response = client.post(
        "/admin/accounts/user/", {"action": action, "_selected_action": [other.pk], "index": 0}, follow=True
    )
    # then
    assert f"Only an admin can manage the account of {other.email}" in response.content.decode()
    other.refresh_from_db()
    assert other.is_active is True
    assert other.has_usable_password()
    assert other.must_change_password is False
    assert not Message.objects.exists()


def test_staff_with_view_rights_only_get_no_account_actions(client, db):
    # given: a support account stripped down to viewing accounts
    from django.contrib.auth.models import Group, Permission

    from fixtures.factories import SupportFactory

    viewer = SupportFactory()
    viewers = Group.objects.create(name="Viewers")
    viewers.permissions.add(Permission.objects.get(codename="view_user", content_type__app_label="accounts"))
    viewer.groups.set([viewers])
    member = MemberUserFactory()
    client.force_login(viewer)
    # when
    page = client.get("/admin/accounts/user/")
    client.post("/admin/accounts/user/", {"action": "deactivate", "_selected_action": [member.pk], "index": 0})
    # then
    assert page.status_code == 200
    assert "deactivate" not in page.context["cl"].model_admin.get_actions(page.wsgi_request)
    member.refresh_from_db()
    assert member.is_active is True
