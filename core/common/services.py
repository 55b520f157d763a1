from django.db import models, transaction

from core.common.actors import current_actor
from core.common.models import AuditEvent, Counter


# No savepoint of its own: nothing here catches an error, the caller's transaction rolls back.
@transaction.atomic(savepoint=False)
def counter_next(*, name: str) -> int:
    """The next value of a named counter; gapless and unique under concurrency
    because the row is locked until the caller's transaction ends."""
    # The row exists but for a counter's first use: lock it straight away (one query, not get_or_create's two).
    counter = Counter.objects.select_for_update().filter(name=name).first()
    if counter is None:
        Counter.objects.get_or_create(name=name)
        counter = Counter.objects.select_for_update().get(name=name)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


@transaction.atomic
def counter_reserve(*, name: str, n: int, floor: int = 0) -> int:
    """Reserve ``n`` consecutive values of a named counter with one locked
    update and return the first (bulk imports). ``floor`` first moves the
    counter past values already used elsewhere, e.g. codes an import carries
    over, so later values never collide with them."""
    if n < 0:
        raise ValueError("n must not be negative")
    Counter.objects.get_or_create(name=name)
    counter = Counter.objects.select_for_update().get(name=name)
    counter.value = max(counter.value, floor)
    first = counter.value + 1
    counter.value += n
    counter.save(update_fields=["value"])
    return first


def audit_record(
    *, action: str, summary: str, obj: models.Model | None = None, actor=None, data: dict | None = None
) -> AuditEvent:
    """Write a business audit event; ``actor`` defaults to the current actor (system in jobs)."""
    if actor is None:
        actor = current_actor()
    return AuditEvent.objects.create(
        action=action,
        summary=summary[:500],
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        data=data or {},
    )
