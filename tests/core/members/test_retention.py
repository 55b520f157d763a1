"""Retention purge: members inactive for more than RETENTION_INACTIVE_DAYS lose
their personal data and login; memberships stay with the member code."""

import datetime
import io

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command

from core.accounts.models import User
from core.common.actors import SYSTEM_USER_EMAIL
from core.common.models import AuditEvent
from core.members.models import HealthFlag, Member
from core.members.retention import member_purge, purge_candidates
from core.members.services import member_restore, member_set_photo, member_soft_delete, member_update
from core.memberships.models import Membership, Plan
from core.notifications.models import Message
from tests.core.members.builders import days, image_upload, inactive_since, make_member, make_plan, reload, sell

HistoricalMember = Member.history.model


@pytest.fixture
def day_plan(db) -> Plan:
    return make_plan(name="30 days", count=30, unit=Plan.IntervalUnit.DAY)


def test_candidates_are_members_inactive_for_more_than_the_retention_period(db, day_plan, today, settings):
    # given the default period of 183 days, and members in every situation
    assert settings.RETENTION_INACTIVE_DAYS == 183
    gone_long = make_member()  # last term ended 200 days ago
    sell(gone_long, day_plan, today - days(230))
    inactive_since(gone_long, 200)

    never_bought = inactive_since(make_member(), 190)  # joined 190 days ago, never bought
    deleted_long = make_member()
    member_soft_delete(member=deleted_long)
    inactive_since(deleted_long, 200)

    recent_term = make_member()  # marked inactive long ago, but a term ended 100 days ago
    sell(recent_term, day_plan, today - days(130))
    inactive_since(recent_term, 200)

    not_long_enough = inactive_since(make_member(), 150)
    just_inside = inactive_since(make_member(), 182)

    active_for_ages = make_member()  # ACTIVE, status unchanged for a year
    sell(active_for_ages, day_plan, today - days(5))
    inactive_since(active_for_ages, 365)
    assert reload(active_for_ages).status == "ACTIVE"

    already_purged = make_member()
    member_purge(member=already_purged)
    inactive_since(already_purged, 400)

    # when the candidates are listed
    codes = list(purge_candidates(today=today).values_list("code", flat=True))

    # then only the long-inactive ones are listed
    assert codes == sorted([gone_long.code, never_bought.code, deleted_long.code])
    assert recent_term.code not in codes and active_for_ages.code not in codes
    assert not_long_enough.code not in codes and just_inside.code not in codes


def test_the_retention_period_is_configurable(db, settings, today):
    # given a member inactive for 40 days
    member = inactive_since(make_member(), 40)
    # when the period is 30 days, then they are a candidate; with 60, not
    settings.RETENTION_INACTIVE_DAYS = 30
    assert list(purge_candidates(today=today)) == [member]
    settings.RETENTION_INACTIVE_DAYS = 60
    assert list(purge_candidates(today=today)) == []


@pytest.fixture
def gone(db, day_plan, today, media_root, django_capture_on_commit_callbacks):
    """A member with every kind of personal data, inactive for 200 days."""
    asthma = HealthFlag.objects.create(name="Asthma")
    with django_capture_on_commit_callbacks(execute=True):
        member = make_member(
            first_name="Nasrin",
            email="nasrin@example.com",
            phone="01812345678",
            date_of_birth=datetime.date(1990, 5, 17),
            address="House 12, Road 5, Dhanmondi",
            emergency_contact_name="Rahim",
            emergency_contact_relation="Brother",
            emergency_contact_phone="01912345678",
            health_notes="Knee surgery in 2020",
            biometric_id="1042",
            health_flags=[asthma],
        )
        member_set_photo(member=member, upload=image_upload())
    sell(member, day_plan, today - days(230))
    return inactive_since(member, 200)


def test_dry_run_lists_the_codes_and_changes_nothing(gone):
    # given a member due for purging and one who is not
    keeper = inactive_since(make_member(), 10)

    # when the command runs with --dry-run
    out = io.StringIO()
    call_command("purge_inactive", "--dry-run", stdout=out)

    # then it lists the code that would go and changes nothing
    text = out.getvalue()
    assert "Would purge 1 member(s) inactive for more than 183 days." in text
    assert gone.code in text and keeper.code not in text
    after = reload(gone)
    assert (after.purged_at, after.phone, after.user_id) == (None, "+8801812345678", gone.user_id)
    assert User.objects.filter(email="nasrin@example.com").exists()
    assert not AuditEvent.objects.filter(action="member.purged").exists()


def test_purge_removes_personal_data_login_and_photo_and_keeps_the_memberships(
    gone, media_root, django_capture_on_commit_callbacks
):
    # given the member's login, photo and outbox messages
    user_id = gone.user_id
    photo = media_root / gone.photo.name
    assert photo.exists()
    assert Message.objects.filter(user_id=user_id).exists()

    # when the command runs
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_inactive", stdout=out)

    # then the profile keeps only the code, and is marked purged and hidden
    assert "Purged 1 member(s)" in out.getvalue() and gone.code in out.getvalue()
    after = Member.all_objects.get(pk=gone.pk)
    assert after.code == gone.code
    assert after.purged_at is not None and after.deleted_at is not None
    assert after.display_name == "(personal data removed)"
    personal = ("phone", "address", "emergency_contact_name", "emergency_contact_relation",
                "emergency_contact_phone", "health_notes", "photo")  # fmt: skip
    assert {name: getattr(after, name) for name in personal} == dict.fromkeys(personal, "")
    assert (after.date_of_birth, after.biometric_id, after.user_id) == (None, None, None)
    assert list(after.health_flags.all()) == []
    # the photo file is deleted
    assert not photo.exists()
    # the login and its history are gone
    assert not User.objects.filter(pk=user_id).exists()
    assert not User.history.filter(id=user_id).exists()
    assert not User.history.filter(email="nasrin@example.com").exists()
    # the memberships (financial history) stay, tied to the code
    terms = Membership.objects.filter(member_id=gone.pk)
    assert terms.count() == 1 and terms.get().member.code == gone.code
    # outbox messages to them are scrubbed
    messages = list(Message.objects.filter(dedupe_key__startswith=f"welcome:{user_id}:"))
    assert messages
    for message in messages:
        assert (message.recipient, message.context, message.subject, message.user_id) == ("(removed)", {}, "", None)
    assert not Message.objects.filter(recipient="nasrin@example.com").exists()


def test_purge_leaves_no_personal_data_in_the_history_tables(gone, django_capture_on_commit_callbacks):
    # when the member is purged
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_inactive", stdout=io.StringIO())

    # then no history row of the member holds their data, including the health flags of old snapshots
    rows = HistoricalMember.objects.filter(id=gone.pk)
    assert rows.exists()
    for row in rows:
        assert (row.phone, row.address, row.health_notes, row.biometric_id, row.user_id) == ("", "", "", None, None)
        assert row.date_of_birth is None
    flags_history = apps.get_model("members", "HistoricalMember_health_flags")
    assert not flags_history.objects.filter(member_id=gone.pk).exists()


def test_purge_is_audited_as_the_system_user_with_the_code(gone):
    # when the command runs
    call_command("purge_inactive", stdout=io.StringIO())

    # then one audit event names the code, with the system user as actor
    event = AuditEvent.objects.get(action="member.purged")
    assert event.actor.email == SYSTEM_USER_EMAIL
    assert gone.code in event.summary
    assert event.data.get("code") == gone.code
    assert (event.object_type, event.object_id) == ("members.Member", str(gone.pk))


def test_running_the_purge_twice_purges_nothing_new(gone):
    # given the purge ran once
    call_command("purge_inactive", stdout=io.StringIO())

    # when it runs again
    out = io.StringIO()
    call_command("purge_inactive", stdout=out)

    # then nobody else is purged and no further audit event is written
    assert "Purged 0 member(s)" in out.getvalue()
    assert AuditEvent.objects.filter(action="member.purged").count() == 1


def test_a_purged_member_cannot_be_restored_or_edited(gone):
    member_purge(member=gone)
    with pytest.raises(ValidationError, match="cannot be restored"):
        member_restore(member=gone)
    with pytest.raises(ValidationError, match="cannot be edited"):
        member_update(member=gone, phone="01712345678")
