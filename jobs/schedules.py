"""Every periodic job GymOS runs, in one place. ``setup_schedules`` makes
django-q2's schedule table match this list (idempotent). Cron times are in
the gym's TIME_ZONE."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    name: str
    func: str
    cron: str
    description: str


JOBS: list[Job] = [
    Job(
        name="outbox-retry",
        func="jobs.tasks.notifications.enqueue_due_messages_task",
        cron="* * * * *",  # every minute
        description="Send queued messages whose retry time has come (and any the queue lost).",
    ),
]
