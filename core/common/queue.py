"""The one way core hands work to the background worker.

Core never imports jobs/: it names the task by dotted path, and the task is
queued only after the surrounding transaction commits, so a worker never sees
rows that were rolled back (or not yet committed).
"""

from django.db import transaction


def enqueue(task_path: str, *args, **kwargs) -> None:
    """Queue ``task_path(*args, **kwargs)`` on django-q2 once the transaction commits."""

    def _send() -> None:
        from django_q.tasks import async_task

        async_task(task_path, *args, **kwargs)

    transaction.on_commit(_send)
