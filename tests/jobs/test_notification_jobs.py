"""The notification jobs: scheduled at the gym's local time and safe to run
twice. (That a task which raises lands in django-q2's Failure list needs a real
worker: tests/jobs/test_real_worker.py.)"""

import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from core.notifications.models import Message
from fixtures.factories import AdminFactory, MembershipFactory, PlanFactory
from jobs.schedules import JOBS
from jobs.tasks import notifications as tasks

pytestmark = pytest.mark.django_db


def test_the_daily_notification_jobs_are_scheduled_in_plain_words():
    jobs = {job.name: job for job in JOBS}
    assert jobs["expiry-reminders"].cron == "0 9 * * *"
    assert jobs["daily-digest"].cron == "0 7 * * *"
    assert "outbox-retry" in jobs and "member-status-sync" in jobs and "retention-purge" in jobs
    for job in JOBS:
        assert job.description.endswith("."), job.name


def test_a_new_schedule_first_runs_at_the_gyms_local_time_not_at_once(settings):
    # given
    assert settings.TIME_ZONE == "Asia/Dhaka"
    # when
    call_command("setup_schedules", stdout=StringIO())
    # then: 07:00 in Dhaka (01:00 UTC), in the future, not "now"
    digest = Schedule.objects.get(name="gymos:daily-digest")
    local = digest.next_run.astimezone(ZoneInfo("Asia/Dhaka"))
    assert (local.hour, local.minute) == (7, 0)
    assert timezone.now() < digest.next_run <= timezone.now() + datetime.timedelta(days=1)
    assert digest.next_run.astimezone(datetime.UTC).hour == 1


def test_setup_schedules_keeps_the_next_run_of_an_unchanged_schedule():
    # given
    call_command("setup_schedules", stdout=StringIO())
    moved = timezone.now() + datetime.timedelta(hours=3)
    Schedule.objects.filter(name="gymos:expiry-reminders").update(next_run=moved)
    # when
    call_command("setup_schedules", stdout=StringIO())
    # then
    assert Schedule.objects.get(name="gymos:expiry-reminders").next_run == moved


def test_reminder_and_digest_tasks_run_twice_queue_once(django_capture_on_commit_callbacks, settings):
    # given
    settings.WHATSAPP_TOKEN = ""
    today = timezone.localdate()
    MembershipFactory(plan=PlanFactory(), starts_on=today - datetime.timedelta(days=20), ends_on=today)
    AdminFactory()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = (tasks.expiry_reminders_task(), tasks.daily_digest_task())
    with django_capture_on_commit_callbacks(execute=True):
        second = (tasks.expiry_reminders_task(), tasks.daily_digest_task())
    # then
    assert first[0]["expiring"] == 1 and first[1] == 1
    assert second[0]["expiring"] == 0 and second[1] == 0
    assert sorted(Message.objects.values_list("template", "status")) == [
        ("daily_digest", "SENT"),
        ("renewal_reminder", "SENT"),
    ]


def test_purge_task_forgets_old_unknown_statuses():
    from core.notifications.models import PendingStatus

    PendingStatus.objects.create(
        provider_id="wamid.X",
        status="SENT",
        timestamp=timezone.now(),
        received_at=timezone.now() - datetime.timedelta(days=8),
    )
    assert tasks.purge_pending_statuses_task() == 1
