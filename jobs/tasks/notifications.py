"""Outbox tasks: ids in (or nothing), call a service. Each is safe to run
again: the outbox claims before sending and dedupe keys stop repeats."""

from core.notifications import services
from core.notifications.digest import daily_digest_queue
from core.notifications.reminders import expiry_reminders_queue
from core.notifications.status import pending_statuses_purge
from jobs.base import system_task


@system_task
def send_message_task(message_id: int) -> str:
    message = services.message_send(message_id=message_id)
    return "skipped (not due or already taken)" if message is None else message.status


@system_task
def enqueue_due_messages_task() -> int:
    return services.messages_enqueue_due()


@system_task
def expiry_reminders_task() -> dict:
    return expiry_reminders_queue()


@system_task
def daily_digest_task() -> int:
    return daily_digest_queue()


@system_task
def purge_pending_statuses_task() -> int:
    return pending_statuses_purge()
