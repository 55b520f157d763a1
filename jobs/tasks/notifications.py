"""Outbox tasks: ids in, call a service."""

from core.notifications import services
from jobs.base import system_task


@system_task
def send_message_task(message_id: int) -> str:
    message = services.message_send(message_id=message_id)
    return "skipped (not due or already taken)" if message is None else message.status


@system_task
def enqueue_due_messages_task() -> int:
    return services.messages_enqueue_due()
