"""setup_schedules makes django-q2's schedule table match jobs.schedules.JOBS."""

from io import StringIO

import pytest
from croniter import croniter
from django.core.management import call_command
from django.utils.module_loading import import_string
from django_q.models import Schedule

from jobs.schedules import JOBS

pytestmark = pytest.mark.django_db


def run() -> str:
    out = StringIO()
    call_command("setup_schedules", stdout=out)
    return out.getvalue()


def snapshot() -> list[tuple]:
    return list(Schedule.objects.order_by("name").values_list("pk", "name", "func", "schedule_type", "cron", "repeats"))


def test_creates_one_schedule_per_job():
    # when
    output = run()
    # then
    rows = {s.name: s for s in Schedule.objects.all()}
    assert set(rows) == {f"gymos:{job.name}" for job in JOBS}
    for job in JOBS:
        row = rows[f"gymos:{job.name}"]
        assert (row.func, row.cron, row.schedule_type, row.repeats) == (job.func, job.cron, Schedule.CRON, -1)
        assert f"created: gymos:{job.name}" in output


def test_running_twice_changes_nothing():
    # given
    run()
    before = snapshot()
    # when
    output = run()
    # then
    assert snapshot() == before
    assert "created" not in output
    assert output.count("up to date") == len(JOBS)


def test_changed_and_stale_managed_schedules_are_fixed_and_others_kept():
    # given
    run()
    first = JOBS[0]
    Schedule.objects.filter(name=f"gymos:{first.name}").update(cron="0 3 * * *", func="jobs.tasks.old")
    Schedule.objects.create(
        name="gymos:retired-job", func="jobs.tasks.retired", schedule_type=Schedule.CRON, cron="* * * * *"
    )
    Schedule.objects.create(name="someone-elses-job", func="math.floor", schedule_type=Schedule.DAILY)
    # when
    output = run()
    # then
    fixed = Schedule.objects.get(name=f"gymos:{first.name}")
    assert (fixed.cron, fixed.func) == (first.cron, first.func)
    assert not Schedule.objects.filter(name="gymos:retired-job").exists()
    assert "removed: gymos:retired-job" in output
    assert Schedule.objects.filter(name="someone-elses-job").exists()


@pytest.mark.parametrize("job", JOBS, ids=lambda job: job.name)
def test_every_job_names_a_real_task_and_a_valid_cron(job):
    assert callable(import_string(job.func))
    assert croniter.is_valid(job.cron)
