"""The nightly member jobs run as the system user, so every change they make
has a "who" in history and in the audit log."""

import io

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.common.actors import SYSTEM_USER_EMAIL, get_system_user
from core.common.models import AuditEvent
from core.members.models import Member
from jobs.tasks.members import purge_inactive_members_task, sync_member_status_task
from tests.core.members.builders import inactive_since, make_member, make_plan, reload, stale_members

HistoricalMember = Member.history.model


def test_sync_task_writes_each_change_to_history_as_the_system_user(db):
    # given 4 members whose status is out of date in each direction
    members = stale_members(4, plan=make_plan(), today=timezone.localdate())

    # when the nightly task runs
    counts = sync_member_status_task()

    # then each change has one history row, by the system user
    assert counts == {"active": 4, "inactive": 4}
    rows = HistoricalMember.objects.filter(id__in=[m.pk for m in members]).select_related("history_user")
    assert rows.count() == 8
    assert {row.history_user.email for row in rows} == {SYSTEM_USER_EMAIL}
    assert {row.history_change_reason for row in rows} == {"Nightly status sync"}
    assert [reload(m).status for m in members] == ["ACTIVE"] * 4 + ["INACTIVE"] * 4


def test_sync_task_query_count_does_not_grow_with_the_members(db):
    # given the system user exists (first run creates it)
    today = timezone.localdate()
    plan = make_plan()
    get_system_user()

    counts = []
    for n in (5, 50, 0):
        if n:
            stale_members(n, plan=plan, today=today)
        # when the task runs
        with CaptureQueriesContext(connection) as ctx:
            sync_member_status_task()
        counts.append(len(ctx.captured_queries))

    # then the same number of queries each time
    assert len(set(counts)) == 1, counts


def test_sync_command_reports_what_changed(db):
    stale_members(2, plan=make_plan(), today=timezone.localdate())
    out = io.StringIO()
    call_command("sync_member_status", stdout=out)
    assert out.getvalue().strip() == "Activated 2, deactivated 2."
    assert HistoricalMember.objects.filter(history_user__email=SYSTEM_USER_EMAIL).count() == 4


def test_purge_task_purges_as_the_system_user(db):
    # given one member inactive for 200 days and one for 20
    old = inactive_since(make_member(), 200)
    inactive_since(make_member(), 20)

    # when the nightly task runs
    purged = purge_inactive_members_task()

    # then one member is purged, audited as the system user
    assert purged == 1
    assert reload(old).purged_at is not None
    event = AuditEvent.objects.get(action="member.purged")
    assert (event.actor.email, event.data["code"]) == (SYSTEM_USER_EMAIL, old.code)
