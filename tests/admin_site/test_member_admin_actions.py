"""Member admin actions: deactivate/reactivate, renew, freeze, soft delete and
restore (admins only), and deleted members kept out of selectors."""

import datetime

import pytest
from django.utils import timezone

from core.members.models import Member
from core.members.services import member_soft_delete
from core.memberships.models import Membership, MembershipFreeze
from fixtures.factories import MemberFactory, MembershipFactory
from tests.admin_site.member_pages import LIST_URL, change_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return MembershipFactory(member__phone="+8801711000001").member


def action(client, name: str, members, url: str = LIST_URL, **data):
    return client.post(url, {"action": name, "_selected_action": [m.pk for m in members], **data})


def test_deactivate_asks_for_a_reason_then_suspends(client, admin_user, member):
    # given
    client.force_login(admin_user)
    # when: the first post shows the reason form
    page = action(client, "deactivate", [member], index=0)
    # then
    assert page.status_code == 200
    assert "Deactivate members" in page.content.decode()
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    # when: without a reason the form stays
    again = action(client, "deactivate", [member], _apply=1, reason="")
    assert again.status_code == 200
    # when: with a reason
    done = action(client, "deactivate", [member], _apply=1, reason="Unpaid locker")
    # then
    assert done.status_code == 302
    member.refresh_from_db()
    assert (member.status, member.suspended_reason) == (Member.Status.INACTIVE, "Unpaid locker")
    # and reactivate lifts it
    action(client, "reactivate", [member], index=0)
    member.refresh_from_db()
    assert (member.status, member.suspended_reason) == (Member.Status.ACTIVE, "")


def test_renew_sells_the_next_term(client, admin_user, member):
    client.force_login(admin_user)
    current = member.memberships.get()
    action(client, "renew", [member], index=0)
    response = action(client, "renew", [member], _apply=1)
    assert response.status_code == 302
    renewal = member.memberships.exclude(pk=current.pk).get()
    assert renewal.starts_on == current.ends_on + datetime.timedelta(days=1)
    assert renewal.renewed_from == current
    assert renewal.invoice is not None and renewal.invoice.total == renewal.price  # the desk takes payment next


def test_freeze_action_freezes_the_current_membership(client, admin_user, member):
    # given
    client.force_login(admin_user)
    today = timezone.localdate()
    term = member.memberships.get()
    # when
    response = action(
        client,
        "freeze",
        [member],
        _apply=1,
        starts_on=today.isoformat(),
        ends_on=(today + datetime.timedelta(days=9)).isoformat(),
        reason="Travel",
    )
    # then
    assert response.status_code == 302
    freeze = MembershipFreeze.objects.get(membership=term)
    assert freeze.days == 10
    term.refresh_from_db()
    member.refresh_from_db()
    assert member.status == Member.Status.INACTIVE


def test_freeze_on_the_member_page_shows_service_errors_in_the_form(client, admin_user, member):
    client.force_login(admin_user)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(
        f"/admin/members/member/{member.pk}/freeze/",
        {"_apply": 1, "starts_on": yesterday.isoformat(), "ends_on": yesterday.isoformat(), "reason": "Flu"},
    )
    assert response.status_code == 200
    assert "A freeze cannot start in the past" in response.content.decode()
    assert not MembershipFreeze.objects.exists()


def test_soft_delete_hides_the_member_and_admin_restores(client, admin_user, member):
    # given
    client.force_login(admin_user)
    # when
    action(client, "soft_delete", [member], _apply=1, reason="Moved away")
    # then
    member = Member.all_objects.get(pk=member.pk)
    assert member.deleted_at is not None
    assert member.code not in client.get(LIST_URL).content.decode()
    deleted_list = client.get(LIST_URL, {"deleted": "1"}).content.decode()
    assert member.code in deleted_list
    assert client.get(change_url(member)).status_code == 200  # read-only record
    # when
    response = action(client, "restore", [member], url=f"{LIST_URL}?deleted=1", index=0)
    # then
    assert response.status_code == 302
    assert Member.objects.filter(pk=member.pk).exists()


def test_support_cannot_restore_or_delete(client, support_user, member):
    # given
    other = MemberFactory()
    member_soft_delete(member=member)
    client.force_login(support_user)
    # when
    deleted_list = client.get(LIST_URL, {"deleted": "1"}).content.decode()
    action(client, "restore", [member], url=f"{LIST_URL}?deleted=1", index=0)
    action(client, "soft_delete", [other], _apply=1, reason="x")
    # then
    assert member.code in deleted_list
    assert 'value="restore"' not in deleted_list
    assert Member.all_objects.get(pk=member.pk).deleted_at is not None
    assert Member.objects.filter(pk=other.pk).exists()


def test_deleted_members_are_left_out_of_the_member_autocomplete(client, admin_user):
    # given
    kept = MemberFactory(user__first_name="Zara")
    gone = MemberFactory(user__first_name="Zara")
    member_soft_delete(member=gone)
    client.force_login(admin_user)
    # when
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "memberships", "model_name": "membership", "field_name": "member", "term": "Zara"},
    )
    # then
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {str(kept.pk)}


def test_memberships_of_the_member_are_listed_read_only(client, admin_user, member):
    client.force_login(admin_user)
    page = client.get(change_url(member)).content.decode()
    term = Membership.objects.get(member=member)
    assert f"/admin/memberships/membership/{term.pk}/change/" in page
