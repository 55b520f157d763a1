"""Class jobs: materialise sessions nightly, release waitlists of started classes."""

import datetime

import pytest

from core.classes.models import Booking, ClassSession
from core.classes.services.bookings import booking_create
from core.classes.services.schedules import schedule_create
from core.common.actors import SYSTEM_USER_EMAIL
from jobs.schedules import JOBS
from jobs.tasks.classes import materialise_sessions_task, release_started_waitlists_task
from tests.core.classes.builders import (
    Clock,
    local,
    make_class_type,
    make_member,
    make_plan,
    make_room,
    make_trainer,
    one_off,
)

pytestmark = pytest.mark.django_db
MONDAY = datetime.date(2026, 3, 2)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch, local(MONDAY, 9))


def test_both_jobs_are_scheduled():
    # when
    jobs = {job.func: job.cron for job in JOBS}
    # then
    assert jobs["jobs.tasks.classes.materialise_sessions_task"] == "15 1 * * *"
    assert jobs["jobs.tasks.classes.release_started_waitlists_task"] == "*/15 * * * *"


def test_the_nightly_job_materialises_the_configured_weeks_as_the_system_user(clock, settings):
    # given: a weekly class made with a 2-week horizon
    settings.CLASS_MATERIALISE_WEEKS = 2
    schedule = schedule_create(
        class_type=make_class_type(title="Zumba"), instructor=make_trainer(), room=make_room(),
        starts_on=MONDAY, start_time=datetime.time(18, 0), recurrence="FREQ=WEEKLY;BYDAY=MO",
    )  # fmt: skip
    assert schedule.sessions.count() == 2
    settings.CLASS_MATERIALISE_WEEKS = 4
    # when
    created = materialise_sessions_task()
    again = materialise_sessions_task()
    # then
    assert (created, again) == (2, 0)
    newest = ClassSession.objects.order_by("-starts_at").first()
    assert newest.history.first().history_user.email == SYSTEM_USER_EMAIL


def test_the_waitlist_job_releases_members_of_started_classes(clock):
    # given: a one-seat class with one member waiting
    plan = make_plan()
    session = one_off(
        class_type=make_class_type(title="Spin", plans=(plan,)), instructor=make_trainer(), room=make_room(),
        starts_at=local(MONDAY, 18), capacity=1,
    )  # fmt: skip
    booking_create(session=session, member=make_member(plan=plan))
    waiting = booking_create(session=session, member=make_member(plan=plan))
    clock.travel(local(MONDAY, 18, 15))
    # when
    released = release_started_waitlists_task()
    # then
    assert released == 1
    assert Booking.objects.get(pk=waiting.pk).status == "CANCELLED"
    assert release_started_waitlists_task() == 0
