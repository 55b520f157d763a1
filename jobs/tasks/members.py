"""Nightly member jobs: ids/nothing in, call a service."""

from core.members.retention import members_purge_inactive
from core.memberships.services import members_sync_status
from jobs.base import system_task


@system_task
def sync_member_status_task() -> dict:
    return members_sync_status()


@system_task
def purge_inactive_members_task() -> int:
    return len(members_purge_inactive())
