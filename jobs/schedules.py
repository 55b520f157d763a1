"""Every periodic job GymOS runs, in one place. ``setup_schedules`` makes
django-q2's schedule table match this list (idempotent).

Cron times are wall-clock times in the gym's TIME_ZONE: django-q2 1.11
evaluates a cron string with croniter against the current time in
``Q_CLUSTER["time_zone"]``, which defaults to settings.TIME_ZONE when USE_TZ
is on (django_q/conf.py, models.Schedule.calculate_next_run), and stores the
resulting next run in UTC. "0 7 * * *" is 07:00 in Dhaka, 01:00 UTC."""

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
        description="Send queued messages whose retry time has come (and any the queue lost, or whose worker "
        "died mid-send), and send again WhatsApp messages that failed for a reason that may pass.",
    ),
    Job(
        name="expiry-reminders",
        func="jobs.tasks.notifications.expiry_reminders_task",
        cron="0 9 * * *",  # every day at 09:00 (after the 00:05 status sync)
        description="Remind members whose membership ends within 3 days, ended yesterday, or ended a week "
        "before that: WhatsApp for those who agreed to it, email for the others; never twice.",
    ),
    Job(
        name="daily-digest",
        func="jobs.tasks.notifications.daily_digest_task",
        cron="0 7 * * *",  # every day at 07:00
        description="Email each active admin the day's digest: renewals due, yesterday's expiries, dues "
        "outstanding and the other apps' sections.",
    ),
    Job(
        name="whatsapp-status-cleanup",
        func="jobs.tasks.notifications.purge_pending_statuses_task",
        cron="20 3 * * *",  # every day at 03:20
        description="Forget WhatsApp status reports kept over 7 days for messages GymOS never sent.",
    ),
    Job(
        name="member-status-sync",
        func="jobs.tasks.members.sync_member_status_task",
        cron="5 0 * * *",  # every day at 00:05
        description="Set each member ACTIVE or INACTIVE by their membership, freezes and payments.",
    ),
    Job(
        name="retention-purge",
        func="jobs.tasks.members.purge_inactive_members_task",
        cron="30 2 * * *",  # every day at 02:30
        description="Remove personal data of members inactive longer than the retention period.",
    ),
    Job(
        name="device-access-sync",
        func="jobs.tasks.devices.sync_device_access_task",
        cron="45 2 * * *",  # every day at 02:45: after the status sync (00:05) and the retention purge (02:30)
        description="Disable lapsed, frozen or suspended members on the door devices, re-enable renewed ones, "
        "remove purged ones.",
    ),
    Job(
        name="class-sessions-materialise",
        func="jobs.tasks.classes.materialise_sessions_task",
        cron="15 1 * * *",  # every day at 01:15
        description="Create the coming weeks' class sessions from the class schedules (CLASS_MATERIALISE_WEEKS ahead).",
    ),
    Job(
        name="class-waitlist-release",
        func="jobs.tasks.classes.release_started_waitlists_task",
        cron="*/15 * * * *",  # every 15 minutes
        description="Take members off the waitlists of classes that have started, and tell them.",
    ),
    Job(
        name="bkash-sweep",
        func="jobs.tasks.billing.bkash_sweep_task",
        cron="* * * * *",  # every minute
        description="Retry bKash webhook events that failed, and settle bKash payments whose payer never came back.",
    ),
]
