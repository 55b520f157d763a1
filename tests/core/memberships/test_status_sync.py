"""The nightly status sync is set-based: its number of queries does not grow
with the number of members, and every change is written to history."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.members.models import HealthFlag, Member
from core.memberships.services import members_sync_status
from tests.core.members.builders import days, make_member, sell, stale_members

HistoricalMember = Member.history.model


def _sync_queries(today) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as ctx:
        counts = members_sync_status(today=today)
    return counts, len(ctx.captured_queries)


def test_query_count_does_not_depend_on_how_many_members_change(db, plan, today):
    # given 5 members who should be ACTIVE and 5 who should be INACTIVE
    stale_members(5, plan=plan, today=today)
    # when the sync runs
    small, small_queries = _sync_queries(today)

    # given 50 more of each (the first ones are now up to date)
    stale_members(50, plan=plan, today=today)
    # when the sync runs again
    large, large_queries = _sync_queries(today)

    # given 600 more of each (more than any batch size)
    stale_members(600, plan=plan, today=today)
    # when the sync runs again
    huge, huge_queries = _sync_queries(today)

    # and once more, with nothing left to change
    none, none_queries = _sync_queries(today)

    # then each run changed what it should, all in the same small number of queries
    assert [small, large, huge, none] == [
        {"active": 5, "inactive": 5},
        {"active": 50, "inactive": 50},
        {"active": 600, "inactive": 600},
        {"active": 0, "inactive": 0},
    ]
    queries = [small_queries, large_queries, huge_queries, none_queries]
    assert len(set(queries)) == 1, queries
    assert small_queries <= 4  # one statement per direction (+ savepoint and release)


def test_each_change_is_written_to_history_with_the_new_status(db, plan, today):
    # given 3 members in each direction
    members = stale_members(3, plan=plan, today=today)

    # when the sync runs
    members_sync_status(today=today)

    # then every member has one history row, showing the new status, the reason and the time
    rows = {row.id: row for row in HistoricalMember.objects.filter(history_change_reason="Nightly status sync")}
    assert sorted(rows) == sorted(m.pk for m in members)
    for member in Member.all_objects.filter(pk__in=rows):
        row = rows[member.pk]
        assert (row.status, row.history_type, row.code) == (member.status, "~", member.code)
        assert row.history_date == member.status_changed_at
    assert {m.status for m in Member.all_objects.filter(pk__in=[m.pk for m in members[:3]])} == {"ACTIVE"}
    assert {m.status for m in Member.all_objects.filter(pk__in=[m.pk for m in members[3:]])} == {"INACTIVE"}


def test_history_rows_keep_the_health_flags_of_the_moment(db, plan, today):
    # given a member with a health flag whose status is out of date
    asthma = HealthFlag.objects.create(name="Asthma")
    member = make_member(health_flags=[asthma])
    sell(member, plan, today - days(2))
    Member.all_objects.filter(pk=member.pk).update(status=Member.Status.INACTIVE)

    # when the sync changes the status
    members_sync_status(today=today)

    # then the history row written by the sync still shows the flag, like any other history row
    row = HistoricalMember.objects.get(id=member.pk, history_change_reason="Nightly status sync")
    assert [flag.healthflag_id for flag in row.health_flags.all()] == [asthma.pk]


def test_members_already_right_are_left_alone(db, plan, today):
    # given an up-to-date active member
    member = make_member()
    sell(member, plan, today - days(1))
    before = HistoricalMember.objects.filter(id=member.pk).count()

    # when the sync runs
    counts = members_sync_status(today=today)

    # then nothing changed and no history was written
    assert counts == {"active": 0, "inactive": 0}
    assert HistoricalMember.objects.filter(id=member.pk).count() == before
