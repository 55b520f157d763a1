"""The member's portal home: code, photo and the membership snapshot, read-only."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.memberships.freezes import freeze_create
from core.memberships.services import membership_renew
from fixtures.factories import FacilityFactory, MemberFactory, MembershipFactory, PlanFactory

pytestmark = pytest.mark.django_db

HOME = "/portal/member/"


def home_of(client, member) -> str:
    client.force_login(member.user)
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def test_shows_plan_status_dates_days_left_facilities_and_perks(client):
    # given
    plan = PlanFactory(
        name="Quarterly",
        interval_count=3,
        perks="Towel service",
        facilities=[FacilityFactory(name="Sauna"), FacilityFactory(name="Pool")],
    )
    term = MembershipFactory(plan=plan)
    # when
    page = home_of(client, term.member)
    # then
    assert term.member.code in page
    assert "Quarterly" in page
    assert '<span class="badge ok">Active</span>' in page
    assert f"{term.starts_on:%-d %b %Y}" in page
    assert f"{term.ends_on:%-d %b %Y}" in page
    assert f"{term.ends_on + datetime.timedelta(days=1):%-d %b %Y}" in page  # renewal date
    assert f"<dd>{(term.ends_on - term.starts_on).days + 1}</dd>" in page  # days left
    assert "<li>Sauna</li>" in page and "<li>Pool</li>" in page
    assert "Towel service" in page


def test_frozen_membership_shows_the_notice(client):
    # given
    today = timezone.localdate()
    term = MembershipFactory()
    freeze_create(membership=term, starts_on=today, ends_on=today + datetime.timedelta(days=4), reason="Travel")
    # when
    page = home_of(client, term.member)
    # then
    assert '<span class="badge frozen">Frozen</span>' in page
    assert "Your membership is frozen" in page


def test_ending_soon_asks_to_renew_and_a_sold_renewal_is_shown(client):
    # given
    today = timezone.localdate()
    term = MembershipFactory(plan=PlanFactory(interval_unit="DAY", interval_count=3))
    # when
    before = home_of(client, term.member)
    membership_renew(member=term.member)
    after = home_of(client, term.member)
    # then
    assert f"Your membership ends in 3 days. Renew by {term.ends_on:%-d %b %Y}" in before
    assert "Your next term is already set" in after
    assert f"from {term.ends_on + datetime.timedelta(days=1):%-d %b %Y}" in after
    assert today < term.ends_on


def test_lapsed_member_sees_inactive_and_how_to_renew(client):
    term = MembershipFactory(starts_on=timezone.localdate() - datetime.timedelta(days=90))
    page = home_of(client, term.member)
    assert '<span class="badge bad">Inactive</span>' in page
    assert "You have no current membership" in page


def test_member_without_a_profile_is_told_to_ask_the_front_desk(client, member_user):
    client.force_login(member_user)
    page = client.get(HOME).content.decode()
    assert "Your member profile is not set up yet" in page


def test_another_members_data_never_shows(client):
    mine = MembershipFactory(plan=PlanFactory(name="Mine"))
    theirs = MembershipFactory(plan=PlanFactory(name="Theirs"))
    page = home_of(client, mine.member)
    assert theirs.member.code not in page and "Theirs" not in page


def _queries(client, member) -> int:
    client.force_login(member.user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(HOME).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_facilities_freezes_or_history(client):
    # given: a member with little
    small = MembershipFactory(plan=PlanFactory(facilities=[FacilityFactory()])).member
    # and one with many facilities, an upcoming renewal and a freeze
    today = timezone.localdate()
    big_plan = PlanFactory(facilities=[FacilityFactory() for _ in range(6)])
    big_term = MembershipFactory(plan=big_plan)
    big = big_term.member
    membership_renew(member=big)
    freeze_create(membership=big_term, starts_on=today, ends_on=today, reason="Rest")
    MemberFactory()
    _queries(client, small)  # warm caches
    # when / then
    assert _queries(client, small) == _queries(client, big)
