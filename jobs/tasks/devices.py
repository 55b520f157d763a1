"""Device jobs: ids/nothing in, call a service."""

from devices.access import devices_access_sync
from jobs.base import system_task


@system_task
def sync_device_access_task() -> dict:
    reports = devices_access_sync()
    return {r.device: (len(r.changes) if r.ok else f"failed: {r.error}") for r in reports}
