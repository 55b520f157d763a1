"""Freezing a membership: the end date (and later renewals) move out by the
frozen days; the member is not ACTIVE while frozen."""

import pytest
from django.core.exceptions import ValidationError

from core.memberships.freezes import freeze_create, freeze_end_early
from core.memberships.models import Membership, MembershipFreeze
from core.memberships.services import members_sync_status, membership_cancel, membership_renew
from tests.core.members.builders import days, make_member, reload, sell


@pytest.fixture
def term(db, plan, today):
    """A monthly membership that started 5 days ago."""
    return sell(make_member(), plan, today - days(5))


def _ends_on(membership) -> object:
    return Membership.objects.get(pk=membership.pk).ends_on


def test_freeze_moves_the_end_date_out_by_the_frozen_days(term, today):
    # given a membership
    original_end = term.ends_on

    # when it is frozen for 7 days from the day after tomorrow
    freeze = freeze_create(membership=term, starts_on=today + days(2), ends_on=today + days(8), reason="Travel")

    # then the end date moved 7 days out and the freeze keeps its reason
    assert freeze.days == 7
    assert _ends_on(term) == original_end + days(7)
    assert MembershipFreeze.objects.get().reason == "Travel"


def test_freeze_also_moves_renewals_already_sold(term, today):
    # given a membership and its renewal
    renewal = membership_renew(member=term.member)
    renewal_dates = (renewal.starts_on, renewal.ends_on)

    # when the current term is frozen for 10 days
    freeze_create(membership=term, starts_on=today, ends_on=today + days(9), reason="Injury")

    # then the renewal moved by the same 10 days and still starts the day after the current term
    renewal.refresh_from_db()
    assert (renewal.starts_on, renewal.ends_on) == (renewal_dates[0] + days(10), renewal_dates[1] + days(10))
    assert renewal.starts_on == _ends_on(term) + days(1)


def test_overlapping_freeze_is_refused_and_names_the_freeze_in_the_way(term, today):
    # given a freeze from tomorrow for 5 days
    freeze_create(membership=term, starts_on=today + days(1), ends_on=today + days(5), reason="Travel")
    end_after_first = _ends_on(term)

    # when another freeze overlapping it is made
    with pytest.raises(ValidationError) as exc:
        freeze_create(membership=term, starts_on=today + days(5), ends_on=today + days(9), reason="Exams")

    # then it is refused with the dates of the existing freeze, and nothing changed
    first_start, first_end = today + days(1), today + days(5)
    assert f"{first_start:%d %b %Y} to {first_end:%d %b %Y}" in exc.value.messages[0]
    assert MembershipFreeze.objects.count() == 1
    assert _ends_on(term) == end_after_first


def test_freeze_in_the_past_is_refused(term, today):
    with pytest.raises(ValidationError) as exc:
        freeze_create(membership=term, starts_on=today - days(1), ends_on=today + days(3), reason="Flu")
    assert "cannot start in the past" in exc.value.messages[0]
    assert not MembershipFreeze.objects.exists()


def test_freeze_outside_the_membership_is_refused(term):
    # when a freeze starts after the membership ends
    with pytest.raises(ValidationError) as exc:
        freeze_create(membership=term, starts_on=term.ends_on + days(1), ends_on=term.ends_on + days(5), reason="x")

    # then it is refused, showing the membership's dates
    assert f"within the membership ({term.starts_on:%d %b %Y}" in exc.value.messages[0]
    assert _ends_on(term) == term.ends_on


@pytest.mark.parametrize(
    ("reason", "start", "end", "message"),
    [
        ("", 1, 3, "Give a reason"),
        ("Travel", 3, 1, "end on or after the day it starts"),
    ],
)
def test_freeze_needs_a_reason_and_sane_dates(term, today, reason, start, end, message):
    with pytest.raises(ValidationError, match=message):
        freeze_create(membership=term, starts_on=today + days(start), ends_on=today + days(end), reason=reason)


def test_cancelled_membership_cannot_be_frozen(term, today):
    membership_cancel(membership=term, reason="Refunded")
    with pytest.raises(ValidationError, match="Only an active membership"):
        freeze_create(membership=term, starts_on=today, ends_on=today + days(2), reason="Travel")


def test_ending_a_freeze_before_it_starts_restores_the_original_end(term, today):
    # given a freeze next week, and a renewal
    original_end = term.ends_on
    renewal = membership_renew(member=term.member)
    freeze = freeze_create(membership=term, starts_on=today + days(7), ends_on=today + days(13), reason="Travel")

    # when it is ended early, before it started
    result = freeze_end_early(freeze=freeze)

    # then the freeze is gone and all dates are back where they were
    assert result is None
    assert not MembershipFreeze.objects.exists()
    assert _ends_on(term) == original_end
    assert Membership.objects.get(pk=renewal.pk).starts_on == renewal.starts_on


def test_ending_a_freeze_during_it_gives_back_the_unused_days(term, today, clock):
    # given a 10-day freeze from today, and the member back after 3 days
    original_end = term.ends_on
    freeze = freeze_create(membership=term, starts_on=today, ends_on=today + days(9), reason="Fever")
    clock.travel(today + days(3))

    # when the freeze is ended early
    shortened = freeze_end_early(freeze=freeze)

    # then it covers the 3 days used, the membership is extended by those 3 only, the member is active
    assert (shortened.starts_on, shortened.ends_on, shortened.days) == (today, today + days(2), 3)
    assert _ends_on(term) == original_end + days(3)
    assert reload(term.member).status == "ACTIVE"


def test_a_finished_freeze_cannot_be_ended_early(term, today, clock):
    # given a freeze that is over
    freeze = freeze_create(membership=term, starts_on=today, ends_on=today + days(2), reason="Fever")
    clock.travel(today + days(5))

    # when / then
    with pytest.raises(ValidationError, match="already over"):
        freeze_end_early(freeze=freeze)


def test_member_is_not_active_while_frozen(term, today, clock):
    # given an active member
    member = term.member
    assert reload(member).status == "ACTIVE"

    # when a freeze from today is made, then the member is INACTIVE at once
    freeze = freeze_create(membership=term, starts_on=today, ends_on=today + days(4), reason="Travel")
    assert reload(member).status == "INACTIVE"

    # when the freeze is over, then the nightly sync makes the member ACTIVE again
    members_sync_status(today=freeze.ends_on + days(1))
    assert reload(member).status == "ACTIVE"


def test_member_stays_active_until_a_future_freeze_starts(term, today):
    # given an active member
    member = term.member

    # when a freeze from next week is made
    freeze_create(membership=term, starts_on=today + days(7), ends_on=today + days(9), reason="Travel")

    # then the member is still ACTIVE, and the nightly sync on the first frozen day makes them INACTIVE
    assert reload(member).status == "ACTIVE"
    members_sync_status(today=today + days(7))
    assert reload(member).status == "INACTIVE"
