"""Daily digest section about today's classes (registered in ClassesConfig.ready)."""

import datetime

from django.utils import timezone

from core.classes.selectors import sessions_between
from core.notifications.digest import DigestSection


def classes_today_section(today: datetime.date) -> DigestSection:
    """Each of today's classes with its fill (booked / capacity) and waitlist."""
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    sessions = sessions_between(start=start, end=start + datetime.timedelta(days=1), include_cancelled=False)
    lines = [
        f"{timezone.localtime(s.starts_at):%H:%M} {s.class_type.title} ({s.room.name}): "
        f"{s.booked_count}/{s.capacity} booked" + (f", {s.waitlist_count} waiting" if s.waitlist_count else "")
        for s in sessions
    ]
    return DigestSection(title="Today's classes", summary=f"{len(lines)} class(es)" if lines else "", lines=lines)
