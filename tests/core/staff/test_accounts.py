"""Staff accounts: created through provisioning, deactivated at once with
the trainer's classes flagged; profile edits and the admin-only rate."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.accounts.models import User
from core.common.models import AuditEvent
from core.notifications.models import Message
from core.staff.models import Trainer
from core.staff.services.accounts import staff_account_sync, staff_create, staff_deactivate, trainer_profile_update
from fixtures.factories import DEFAULT_PASSWORD
from tests.core.classes.builders import local, reload
from tests.core.staff.builders import class_at
from tests.core.staff.conftest import TUESDAY

pytestmark = pytest.mark.django_db


def test_an_admin_creates_a_trainer_with_a_temporary_password_and_profile(staff):
    # when
    user = staff_create(
        email=" Rina@Example.com ", first_name="Rina", role=User.Role.TRAINER, by=staff,
        bio="Boxing coach", specialties="boxing ,  cardio,,", hourly_rate="700",
    )  # fmt: skip
    # then: provisioned like any account (forced change, welcome email queued)
    assert (user.email, user.role, user.must_change_password) == ("rina@example.com", "TRAINER", True)
    assert not user.has_usable_password()
    assert Message.objects.filter(template="welcome", recipient="rina@example.com").count() == 1
    trainer = Trainer.objects.get(user=user)
    assert (trainer.bio, trainer.specialties, trainer.hourly_rate) == (
        "Boxing coach",
        "boxing, cardio",
        Decimal("700.00"),
    )
    assert user.groups.filter(name="Trainers").exists()


def test_an_admin_creates_support_staff_without_a_trainer_profile(staff):
    user = staff_create(email="desk@example.com", first_name="Dina", role=User.Role.SUPPORT, by=staff)
    assert user.role == "SUPPORT" and user.groups.filter(name="Support staff").exists()
    assert not Trainer.objects.filter(user=user).exists()


@pytest.mark.parametrize("who", ["support_user", "trainer_user"])
def test_only_admins_create_staff(request, who):
    with pytest.raises(PermissionDenied):
        staff_create(email="x@example.com", first_name="X", by=request.getfixturevalue(who))
    assert not User.objects.filter(email="x@example.com").exists()


def test_members_are_not_created_as_staff(staff):
    with pytest.raises(ValidationError) as exc:
        staff_create(email="x@example.com", first_name="X", role=User.Role.MEMBER, by=staff)
    assert "members are added as members" in exc.value.message_dict["role"][0]


def test_deactivating_a_trainer_blocks_login_at_once_and_flags_future_classes(client, tanvir, staff, clock):
    # given: a logged-in trainer with a class that has started and two to come
    started = class_at(tanvir.user, local(TUESDAY, 8))
    soon = class_at(tanvir.user, local(TUESDAY, 10))
    later = class_at(tanvir.user, local(TUESDAY, 18))
    clock.travel(local(TUESDAY, 8, 30))
    client.force_login(tanvir.user)
    assert client.get("/portal/trainer/").status_code == 200
    # when
    flagged = staff_deactivate(user=tanvir.user, by=staff)
    # then: the open session no longer works, nor does the password
    response = client.get("/portal/trainer/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert not client.login(email=tanvir.user.email, password=DEFAULT_PASSWORD)
    # and the classes to come are flagged for a new instructor; the started one is left alone
    assert {s.pk for s in flagged} == {soon.pk, later.pk}
    assert reload(soon).needs_review and "no longer works here" in reload(soon).review_note
    assert not reload(started).needs_review
    assert AuditEvent.objects.filter(action="staff.deactivated", actor=staff).count() == 1


def test_support_staff_cannot_deactivate_a_trainer(tanvir, support_user):
    with pytest.raises(ValidationError):
        staff_deactivate(user=tanvir.user, by=support_user)
    assert reload(tanvir.user).is_active


def test_a_trainer_whose_role_changed_has_their_classes_flagged(tanvir, staff):
    # given
    session = class_at(tanvir.user, local(TUESDAY, 10))
    tanvir.user.role = User.Role.SUPPORT
    tanvir.user.save()
    # when
    staff_account_sync(user=tanvir.user, by=staff)
    # then
    assert reload(session).needs_review


def test_a_new_trainer_account_gets_its_profile_when_synced(staff, trainer_user):
    Trainer.objects.filter(user=trainer_user).delete()
    staff_account_sync(user=trainer_user, by=staff)
    assert Trainer.objects.filter(user=trainer_user).exists()


def test_a_trainer_edits_their_bio_but_not_their_rate(tanvir, nusrat):
    # when
    trainer_profile_update(trainer=tanvir, by=tanvir.user, bio=" Lifts things ", specialties="strength")
    # then
    assert (reload(tanvir).bio, reload(tanvir).specialties) == ("Lifts things", "strength")
    with pytest.raises(PermissionDenied):
        trainer_profile_update(trainer=tanvir, by=tanvir.user, hourly_rate="999")
    with pytest.raises(PermissionDenied):
        trainer_profile_update(trainer=tanvir, by=nusrat.user, bio="Hacked")
    assert reload(tanvir).hourly_rate is None and reload(tanvir).bio == "Lifts things"


def test_rate_changes_are_audited_without_the_amount_and_kept_out_of_history(tanvir, staff):
    # when
    trainer_profile_update(trainer=tanvir, by=staff, hourly_rate="812.50")
    # then
    assert reload(tanvir).hourly_rate == Decimal("812.50")
    assert not hasattr(Trainer.history.model, "hourly_rate")
    event = AuditEvent.objects.get(action="staff.hourly_rate_changed")
    assert (event.actor, event.data) == (staff, {"field": "hourly_rate"})
    assert "812" not in event.summary
    with pytest.raises(ValidationError):
        trainer_profile_update(trainer=tanvir, by=staff, hourly_rate="-5")
