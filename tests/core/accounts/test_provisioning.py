import logging
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from core.accounts.models import User
from core.accounts.roles import ROLE_GROUPS
from core.accounts.services import generate_temp_password, user_provision
from core.common.actors import SYSTEM_USER_EMAIL
from core.common.models import AuditEvent
from core.notifications.models import Message
from tests.support.mail import html_part

pytestmark = pytest.mark.django_db


def tables_containing(text: str) -> list[str]:
    """Every table whose rows, read as text, contain ``text`` (PostgreSQL row-to-text cast)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT 1 FROM {quoted} AS t WHERE t::text LIKE %s LIMIT 1", [f"%{text}%"])  # noqa: S608 - quoted introspected names
            if cursor.fetchone():
                found.append(table)
    return found


def test_provision_queues_a_welcome_message_in_the_callers_transaction(django_capture_on_commit_callbacks, mailoutbox):
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user = user_provision(email="  Nadia@Example.COM ", first_name=" Nadia ", last_name="Karim")
    # then: the account exists, with no usable password until the email goes out
    assert user.email == "nadia@example.com"
    assert user.first_name == "Nadia"
    assert user.role == User.Role.MEMBER
    assert user.must_change_password is True
    assert user.has_usable_password() is False
    assert list(user.groups.values_list("name", flat=True)) == [ROLE_GROUPS["MEMBER"]]
    message = Message.objects.get()
    assert message.template == "welcome"
    assert message.recipient == "nadia@example.com"
    assert message.user == user
    assert message.status == Message.Status.QUEUED
    assert message.dedupe_key.startswith(f"welcome:{user.pk}:")
    # and nothing is sent before the transaction commits
    assert len(callbacks) == 1
    assert mailoutbox == []


def test_welcome_email_carries_a_working_temporary_password(provision, mailoutbox):
    # when
    user, temp_password = provision(email="nadia@example.com", role=User.Role.TRAINER)
    # then
    email = mailoutbox[0]
    assert email.to == ["nadia@example.com"]
    assert "Welcome" in email.subject
    assert temp_password in html_part(email)
    assert user.check_password(temp_password)
    message = Message.objects.get(template="welcome")
    assert message.status == Message.Status.SENT
    assert message.attempts == 1
    assert message.sent_at is not None
    assert message.subject == email.subject
    # the temporary password expires TEMP_PASSWORD_TTL_HOURS (72) after it was sent
    expected = timezone.now() + timedelta(hours=72)
    assert abs(user.temp_password_expires_at - expected) < timedelta(minutes=1)
    assert user.must_change_password is True


def test_temporary_password_is_never_stored_nor_logged(provision, caplog):
    # given
    caplog.set_level(logging.DEBUG)
    # when
    user, temp_password = provision(email="nadia@example.com")
    # then: not in the outbox row, the history rows, or any other table
    message = Message.objects.get(template="welcome")
    assert temp_password not in str(message.context)
    assert all(temp_password not in str(row.__dict__) for row in user.history.all())
    assert user.password != temp_password
    assert tables_containing(temp_password) == []
    # and no log line mentions it
    assert caplog.records, "the capture saw no log records at all: the check would be empty"
    assert temp_password not in caplog.text


def test_the_database_scan_would_see_a_plain_text_password(provision):
    # given: the scan used above, pointed at a value that is stored
    user, _ = provision(email="nadia@example.com")
    # when / then
    assert "accounts_user" in tables_containing(user.email)


def test_changes_made_while_sending_are_recorded_as_the_system_user(provision):
    # when
    user, _ = provision(email="nadia@example.com")
    # then: the password was issued by the worker, acting as the named system user
    latest = user.history.order_by("-history_id").first()
    assert latest.temp_password_expires_at is not None
    assert latest.history_user.email == SYSTEM_USER_EMAIL


def test_provisioned_by_is_recorded_in_history(admin_user, django_capture_on_commit_callbacks):
    # when
    from core.common.actors import acting_as

    with acting_as(admin_user):
        user = user_provision(email="nadia@example.com", first_name="Nadia", provisioned_by=admin_user)
    # then
    created = user.history.earliest("history_id")
    assert created.history_type == "+"
    assert created.history_user == admin_user
    event = AuditEvent.objects.get(action="user.provisioned", object_id=str(user.pk))
    assert event.actor == admin_user
    assert event.data == {"role": "MEMBER"}
    assert "nadia@example.com" in event.summary


def test_admin_may_provision_staff_roles_with_extra_groups(admin_user, django_capture_on_commit_callbacks):
    # given
    front_desk = Group.objects.create(name="Front desk")
    # when
    user = user_provision(
        email="sam@example.com",
        first_name="Sam",
        role=User.Role.SUPPORT,
        groups=[front_desk],
        provisioned_by=admin_user,
    )
    # then
    assert user.role == User.Role.SUPPORT
    assert set(user.groups.values_list("name", flat=True)) == {"Front desk", ROLE_GROUPS["SUPPORT"]}


@pytest.mark.parametrize("role", [User.Role.ADMIN, User.Role.SUPPORT, User.Role.TRAINER])
def test_support_staff_cannot_provision_staff_roles(support_user, role):
    # when
    with pytest.raises(ValidationError) as exc:
        user_provision(email="new@example.com", first_name="New", role=role, provisioned_by=support_user)
    # then
    assert exc.value.message_dict == {"role": ["Only an admin can create staff or trainer accounts."]}
    assert not User.objects.filter(email="new@example.com").exists()
    assert not Message.objects.exists()


def test_support_staff_may_provision_members(support_user, django_capture_on_commit_callbacks):
    # when
    user = user_provision(email="new@example.com", first_name="New", provisioned_by=support_user)
    # then
    assert user.role == User.Role.MEMBER
    assert Message.objects.filter(user=user, template="welcome").count() == 1


@pytest.mark.parametrize("duplicate", ["foo@x.com", "Foo@X.com", " FOO@x.COM "])
def test_duplicate_email_is_refused_whatever_its_case(duplicate, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=False):
        user_provision(email="Foo@X.com", first_name="Foo")
    users_before, messages_before = User.objects.count(), Message.objects.count()
    # when
    with pytest.raises(ValidationError) as exc:
        user_provision(email=duplicate, first_name="Other")
    # then
    assert exc.value.message_dict == {"email": ["An account with the email foo@x.com already exists."]}
    assert (User.objects.count(), Message.objects.count()) == (users_before, messages_before)


@pytest.mark.parametrize("bad_email", ["not-an-email", "nadia@", "@example.com", "", "nadia@exa mple.com"])
def test_invalid_email_is_refused_with_a_clear_message(bad_email):
    # when
    with pytest.raises(ValidationError) as exc:
        user_provision(email=bad_email, first_name="Nadia")
    # then
    assert exc.value.message_dict["email"] == [f"“{bad_email.strip().lower()}” is not a valid email address."]
    assert not User.objects.exists()
    assert not Message.objects.exists()


def test_unknown_role_is_refused():
    with pytest.raises(ValidationError) as exc:
        user_provision(email="nadia@example.com", first_name="Nadia", role="OWNER")
    assert exc.value.message_dict == {"role": ["Unknown role “OWNER”."]}
    assert not User.objects.exists()


def test_missing_first_name_is_refused_and_nothing_is_created():
    with pytest.raises(ValidationError) as exc:
        user_provision(email="nadia@example.com", first_name="   ")
    assert "first_name" in exc.value.message_dict
    assert not User.objects.exists()
    assert not Message.objects.exists()


def test_generated_temporary_passwords_are_strong_and_distinct():
    # when
    passwords = {generate_temp_password() for _ in range(50)}
    # then
    assert len(passwords) == 50
    for password in passwords:
        assert len(password) == 14
        assert any(c.isupper() for c in password)
        assert any(c.islower() for c in password)
        assert any(c.isdigit() for c in password)
        assert not set(password) & set("0O1lI")


def test_welcome_is_cancelled_if_the_person_chose_a_password_before_it_went_out(
    django_capture_on_commit_callbacks, mailoutbox
):
    # given: the welcome email is still waiting (e.g. the mail server was down)
    from core.accounts.services import user_set_password
    from core.notifications.services import message_send

    with django_capture_on_commit_callbacks(execute=False):
        user = user_provision(email="nadia@example.com", first_name="Nadia")
    user_set_password(user=user, password="Kettlebell-Sunrise-42")
    # when
    message_send(message_id=Message.objects.get().pk)
    # then: no email, a clear reason, and their own password still works
    message = Message.objects.get()
    assert mailoutbox == []
    assert message.status == Message.Status.FAILED
    assert message.attempts == 1
    assert message.last_error == "The person already chose their own password; no temporary password was sent."
    user.refresh_from_db()
    assert user.check_password("Kettlebell-Sunrise-42")


def test_welcome_is_cancelled_if_the_account_was_deactivated_before_it_went_out(
    django_capture_on_commit_callbacks, mailoutbox, admin_user
):
    # given
    from core.accounts.services import user_deactivate
    from core.notifications.services import message_send

    with django_capture_on_commit_callbacks(execute=False):
        user = user_provision(email="nadia@example.com", first_name="Nadia")
    user_deactivate(user=user, by=admin_user)
    # when
    message_send(message_id=Message.objects.get().pk)
    # then
    message = Message.objects.get()
    assert mailoutbox == []
    assert message.status == Message.Status.FAILED
    assert message.last_error == "The account was deactivated; no temporary password was sent."
    user.refresh_from_db()
    assert user.has_usable_password() is False
