"""Soft delete: the member vanishes from every default query, the login is
blocked, the memberships (financial history) stay; an admin can restore."""

import pytest
from django.core.exceptions import ValidationError

from core.accounts.models import User
from core.common.models import AuditEvent
from core.members.models import Member
from core.members.services import member_restore, member_soft_delete
from core.memberships.models import Membership
from tests.core.members.builders import days, make_member, sell


@pytest.fixture
def member(db, plan, today):
    member = make_member(first_name="Karim", email="karim@example.com", phone="01712345678")
    sell(member, plan, today - days(3))
    member.refresh_from_db()
    assert member.status == "ACTIVE"
    return member


def test_soft_deleted_member_vanishes_from_default_queries(member, admin_user):
    # when the member is deleted
    member_soft_delete(member=member, by=admin_user, reason="Duplicate profile")

    # then default queries no longer see them
    assert not Member.objects.filter(pk=member.pk).exists()
    assert not Member.objects.filter(user__email="karim@example.com").exists()
    assert not Member.objects.filter(phone="+8801712345678").exists()
    assert member.code not in Member.objects.values_list("code", flat=True)
    # but the unfiltered manager does, marked deleted and INACTIVE
    kept = Member.all_objects.get(pk=member.pk)
    assert kept.deleted_at is not None
    assert kept.status == "INACTIVE"
    assert Member.all_objects.deleted().filter(pk=member.pk).exists()


def test_soft_delete_blocks_the_login_and_keeps_the_memberships(member, admin_user):
    # when the member is deleted
    member_soft_delete(member=member, by=admin_user, reason="Duplicate profile")

    # then the login is deactivated, the memberships remain, and the deletion is audited
    assert User.objects.get(email="karim@example.com").is_active is False
    assert Membership.objects.filter(member_id=member.pk).count() == 1
    event = AuditEvent.objects.get(action="member.deleted")
    assert event.actor == admin_user
    assert member.code in event.summary and "Duplicate profile" in event.summary


def test_restore_brings_the_member_and_the_login_back(member, admin_user):
    # given a deleted member
    member_soft_delete(member=member, by=admin_user)

    # when an admin restores them
    restored = member_restore(member=member, by=admin_user)

    # then they are visible again, can log in, and are ACTIVE again (the membership covers today)
    assert Member.objects.filter(user__email="karim@example.com").get() == restored
    assert restored.deleted_at is None
    assert restored.status == "ACTIVE"
    assert User.objects.get(email="karim@example.com").is_active is True
    assert AuditEvent.objects.filter(action="member.restored", actor=admin_user).exists()


def test_deleting_twice_is_refused_with_a_clear_message(member):
    member_soft_delete(member=member)
    with pytest.raises(ValidationError, match=f"{member.code} is already deleted"):
        member_soft_delete(member=member)


def test_restoring_a_member_who_is_not_deleted_is_refused(member):
    with pytest.raises(ValidationError, match=f"{member.code} is not deleted"):
        member_restore(member=member)
    assert User.objects.get(email="karim@example.com").is_active is True
