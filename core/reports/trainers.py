"""Trainers: classes taught per instructor (held, cancelled, still to come)
and the members who came. Two grouped queries joined on the instructor."""

import datetime

from django.db.models import Count, DurationField, F, Q, Sum

from core.classes.models import Booking, ClassSession
from core.reports.periods import DateRange

_NAME = ["instructor", "instructor__first_name", "instructor__last_name", "instructor__email"]


def sessions_taught(period: DateRange, *, now: datetime.datetime) -> list[dict]:
    """Per instructor of sessions starting in ``period``: ``held`` (scheduled,
    started before ``now``), ``upcoming``, ``cancelled``, ``hours`` held,
    ``booked``/``attendees``/``no_shows`` of held sessions, ``average`` attendees per held session."""
    sessions = ClassSession.objects.filter(starts_at__gte=period.since, starts_at__lt=period.until)
    held = Q(status=ClassSession.Status.SCHEDULED, starts_at__lt=now)
    per_instructor = (
        sessions.values(*_NAME)
        .annotate(
            held=Count("pk", filter=held),
            upcoming=Count("pk", filter=Q(status=ClassSession.Status.SCHEDULED, starts_at__gte=now)),
            cancelled=Count("pk", filter=Q(status=ClassSession.Status.CANCELLED)),
            taught=Sum(F("ends_at") - F("starts_at"), filter=held, output_field=DurationField()),
        )
        .order_by("instructor__first_name", "instructor__email")
    )
    attendance = (
        Booking.objects.filter(
            session__starts_at__gte=period.since,
            session__starts_at__lt=min(period.until, now),
            session__status=ClassSession.Status.SCHEDULED,
        )
        .values("session__instructor")
        .annotate(
            booked=Count("pk", filter=Q(status__in=Booking.HOLDS_SEAT)),
            attendees=Count("pk", filter=Q(status=Booking.Status.ATTENDED)),
            no_shows=Count("pk", filter=Q(status=Booking.Status.NO_SHOW)),
        )
        .order_by()
    )
    by_instructor = {row["session__instructor"]: row for row in attendance}
    rows = []
    for row in per_instructor:
        counts = by_instructor.get(row["instructor"], {})
        taught = row["taught"] or datetime.timedelta(0)
        attendees = counts.get("attendees", 0)
        rows.append(
            {
                "instructor_id": row["instructor"],
                "instructor": " ".join(filter(None, [row["instructor__first_name"], row["instructor__last_name"]]))
                or row["instructor__email"],
                "email": row["instructor__email"],
                "held": row["held"],
                "upcoming": row["upcoming"],
                "cancelled": row["cancelled"],
                "hours": round(taught.total_seconds() / 3600, 1),
                "booked": counts.get("booked", 0),
                "attendees": attendees,
                "no_shows": counts.get("no_shows", 0),
                "average": round(attendees / row["held"], 1) if row["held"] else None,
            }
        )
    return rows
