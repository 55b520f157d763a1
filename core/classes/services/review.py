"""Flagging classes for review when something outside the schedule changes
them, e.g. their instructor is deactivated. The flag puts the class on the
"needs review" list; reassigning, moving or cancelling it (or
``session_review_clear``) takes it off."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.accounts.models import User
from core.classes.models import ClassSession
from core.classes.services.common import stamp


@transaction.atomic
def sessions_flag_for_review(*, sessions: QuerySet, note: str, by: User | None) -> list[ClassSession]:
    """Flag the scheduled, not yet started classes among ``sessions`` with
    ``note`` (what has to be decided). Classes already flagged keep their
    first note. Returns the classes flagged by this call."""
    note = (note or "").strip()[:500]
    if not note:
        raise ValidationError("Say why the classes need a review.")
    flagged = []
    candidates = (
        sessions.select_for_update(of=("self",))
        .filter(status=ClassSession.Status.SCHEDULED, starts_at__gt=timezone.now(), needs_review=False)
        .order_by("starts_at", "pk")
    )
    for session in candidates:
        session.needs_review, session.review_note = True, note
        stamp(session, by)
        session.save(update_fields=["needs_review", "review_note", "updated_at"])
        flagged.append(session)
    return flagged
