"""Plans, facilities, memberships and freezes in the admin."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.billing.services.payments import payment_record
from core.members.models import Member
from core.memberships.freezes import freeze_create
from core.memberships.models import Membership, MembershipFreeze, Plan
from core.memberships.services import PLAN_IN_USE
from fixtures.factories import FacilityFactory, MemberFactory, MembershipFactory, PlanFactory
from tests.support.responses import get_queries, messages_of

pytestmark = pytest.mark.django_db

PLANS = "/admin/memberships/plan/"
MEMBERSHIPS = "/admin/memberships/membership/"
FREEZES = "/admin/memberships/membershipfreeze/"


@pytest.mark.parametrize("role", ["admin_user", "support_user"])
def test_pages_render_for_staff(client, request, role):
    # given
    term = MembershipFactory()
    freeze = freeze_create(membership=term, starts_on=term.starts_on, ends_on=term.starts_on, reason="Flu")
    facility = FacilityFactory()
    client.force_login(request.getfixturevalue(role))
    paths = [
        PLANS,
        f"{PLANS}{term.plan_id}/change/",
        f"{PLANS}{term.plan_id}/history/",
        "/admin/memberships/facility/",
        f"/admin/memberships/facility/{facility.pk}/change/",
        MEMBERSHIPS,
        f"{MEMBERSHIPS}add/",
        f"{MEMBERSHIPS}{term.pk}/change/",
        f"{MEMBERSHIPS}{term.pk}/history/",
        f"{MEMBERSHIPS}{term.pk}/cancel/",
        f"{MEMBERSHIPS}{term.pk}/freeze/",
        f"{MEMBERSHIPS}?status__exact=ACTIVE&q={term.member.code}",
        FREEZES,
        f"{FREEZES}add/",
        f"{FREEZES}{freeze.pk}/change/",
    ]
    # when / then
    for path in paths:
        assert client.get(path).status_code == 200, path


def test_plan_add_page_is_for_admins(client, admin_user, support_user):
    client.force_login(admin_user)
    assert client.get(f"{PLANS}add/").status_code == 200
    client.force_login(support_user)
    assert client.get(f"{PLANS}add/").status_code == 403


# --- plans --------------------------------------------------------------------------------


def _plans_with_members(n: int) -> None:
    sauna = FacilityFactory(name="Sauna")
    for _ in range(n):
        plan = PlanFactory(facilities=[sauna])
        MembershipFactory(plan=plan)
        MembershipFactory(plan=plan)


def test_plan_list_runs_in_a_fixed_number_of_queries(client, admin_user):
    # given
    client.force_login(admin_user)
    _plans_with_members(5)
    client.get(PLANS)
    with_5 = get_queries(client, PLANS)
    # when
    _plans_with_members(25)
    with_30 = get_queries(client, PLANS)
    # then
    assert with_30 == with_5
    assert with_5 <= 10


def test_plan_list_shows_price_interval_and_members_now(client, admin_user):
    # given
    today = timezone.localdate()
    plan = PlanFactory(name="Quarterly", price=Decimal("8100.00"), interval_count=3)
    MembershipFactory(plan=plan)
    MembershipFactory(plan=plan)
    MembershipFactory(plan=plan, starts_on=today - datetime.timedelta(days=200))  # lapsed: not counted
    client.force_login(admin_user)
    # when
    page = client.get(PLANS).content.decode()
    # then
    assert "৳8,100.00" in page
    assert "3 months" in page
    assert f'<a href="/admin/members/member/?plan={plan.pk}">2</a>' in page


def test_plan_page_links_to_its_roster(client, admin_user):
    # given
    plan = PlanFactory(name="Gold")
    member = MembershipFactory(plan=plan).member
    other = MembershipFactory().member
    client.force_login(admin_user)
    # when
    page = client.get(f"{PLANS}{plan.pk}/change/").content.decode()
    roster = client.get(f"/admin/members/member/?plan={plan.pk}").content.decode()
    # then
    assert f"/admin/members/member/?plan={plan.pk}" in page
    assert member.code in roster and other.code not in roster


def test_deleting_a_plan_with_members_is_refused(client, admin_user):
    # given
    plan = MembershipFactory().plan
    client.force_login(admin_user)
    # when
    page = client.get(f"{PLANS}{plan.pk}/delete/", follow=True)
    post = client.post(f"{PLANS}{plan.pk}/delete/", {"post": "yes"}, follow=True)
    # then
    assert PLAN_IN_USE in messages_of(page)
    assert PLAN_IN_USE in messages_of(post)
    assert Plan.objects.filter(pk=plan.pk).exists()


def test_a_plan_nobody_had_can_be_deleted(client, admin_user):
    plan = PlanFactory()
    client.force_login(admin_user)
    response = client.post(f"{PLANS}{plan.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Plan.objects.filter(pk=plan.pk).exists()


def test_bulk_delete_keeps_plans_with_members(client, admin_user):
    # given
    used = MembershipFactory().plan
    unused = PlanFactory()
    client.force_login(admin_user)
    # when
    response = client.post(
        PLANS, {"action": "delete_plans", "_selected_action": [used.pk, unused.pk], "_apply": 1}, follow=True
    )
    # then
    assert f"{used}: {PLAN_IN_USE}" in messages_of(response)
    assert list(Plan.objects.all()) == [used]


# --- memberships ----------------------------------------------------------------------------


def test_selling_a_membership_in_the_admin_uses_the_service(client, admin_user):
    # given
    member = MemberFactory()
    plan = PlanFactory(price=Decimal("2500.00"))
    client.force_login(admin_user)
    # when
    response = client.post(f"{MEMBERSHIPS}add/", {"member": member.pk, "plan": plan.pk, "starts_on": "", "note": ""})
    # then
    assert response.status_code == 302
    term = Membership.objects.get(member=member)
    assert term.price == plan.price
    assert term.created_by == admin_user
    assert term.ends_on > term.starts_on == timezone.localdate()
    assert term.invoice is not None and term.invoice.total == plan.price
    member.refresh_from_db()
    assert member.status == Member.Status.INACTIVE  # until the invoice is paid
    payment_record(invoice=term.invoice, amount=plan.price)
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE


def test_an_overlapping_membership_is_refused_with_nothing_written(client, admin_user):
    # given
    term = MembershipFactory()
    client.force_login(admin_user)
    # when
    response = client.post(
        f"{MEMBERSHIPS}add/", {"member": term.member_id, "plan": term.plan_id, "starts_on": term.starts_on, "note": ""}
    )
    # then
    assert response.status_code == 200
    assert "already has a membership" in response.content.decode()
    assert Membership.objects.count() == 1


def test_cancel_asks_for_a_reason(client, admin_user):
    # given
    term = MembershipFactory()
    client.force_login(admin_user)
    # when
    first = client.post(MEMBERSHIPS, {"action": "cancel", "_selected_action": [term.pk], "index": 0})
    done = client.post(MEMBERSHIPS, {"action": "cancel", "_selected_action": [term.pk], "_apply": 1, "reason": "Moved"})
    # then
    assert first.status_code == 200 and "Cancel memberships" in first.content.decode()
    assert done.status_code == 302
    term.refresh_from_db()
    assert term.status == Membership.Status.CANCELLED
    assert term.note == "Cancelled: Moved"


def test_membership_pages_are_read_only_records(client, admin_user):
    term = MembershipFactory()
    client.force_login(admin_user)
    response = client.post(f"{MEMBERSHIPS}{term.pk}/change/", {"starts_on": "2020-01-01"})
    assert response.status_code == 403
    assert client.post(f"{MEMBERSHIPS}{term.pk}/delete/", {"post": "yes"}).status_code == 403


# --- freezes --------------------------------------------------------------------------------


def test_freeze_from_the_admin_and_end_it_early(client, admin_user):
    # given
    today = timezone.localdate()
    term = MembershipFactory()
    original_end = term.ends_on
    client.force_login(admin_user)
    # when
    response = client.post(
        f"{FREEZES}add/",
        {"membership": term.pk, "starts_on": today, "ends_on": today + datetime.timedelta(days=6), "reason": "Travel"},
    )
    # then
    assert response.status_code == 302
    freeze = MembershipFreeze.objects.get()
    term.refresh_from_db()
    assert term.ends_on == original_end + datetime.timedelta(days=7)
    # when: it has not started yet... it started today, so ending early drops it
    client.post(FREEZES, {"action": "end_early", "_selected_action": [freeze.pk], "index": 0})
    # then
    term.refresh_from_db()
    assert term.ends_on == original_end
    assert not MembershipFreeze.objects.exists()


def test_a_freeze_in_the_past_is_refused_in_the_form(client, admin_user):
    today = timezone.localdate()
    term = MembershipFactory(starts_on=today - datetime.timedelta(days=10))
    client.force_login(admin_user)
    response = client.post(
        f"{FREEZES}add/",
        {"membership": term.pk, "starts_on": today - datetime.timedelta(days=2), "ends_on": today, "reason": "Flu"},
    )
    assert response.status_code == 200
    assert "A freeze cannot start in the past" in response.content.decode()
    assert not MembershipFreeze.objects.exists()
