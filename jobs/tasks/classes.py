"""Class jobs: nothing in, call a service."""

from core.classes.services.sessions import sessions_materialise
from core.classes.services.waitlist import waitlist_release_started
from jobs.base import system_task


@system_task
def materialise_sessions_task() -> int:
    return sessions_materialise()


@system_task
def release_started_waitlists_task() -> int:
    return waitlist_release_started()
