"""Classes: today's timetable with its fill, and the fill rate per class type,
instructor and time slot. Sessions and bookings are counted in two grouped
queries per view and joined on the group key, so counting bookings never
multiplies a session's capacity."""

import datetime
from collections.abc import Callable

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractHour, ExtractIsoWeekDay

from core.classes.models import Booking, ClassSession
from core.reports.periods import DateRange, day_bounds

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def todays_classes(*, today: datetime.date) -> QuerySet:
    """Today's scheduled sessions with ``booked`` (seats taken) and ``waitlisted``; one query."""
    since, until = day_bounds(today)
    return (
        ClassSession.objects.filter(starts_at__gte=since, starts_at__lt=until, status=ClassSession.Status.SCHEDULED)
        .annotate(
            booked=Count("bookings", filter=Q(bookings__status__in=Booking.HOLDS_SEAT)),
            waitlisted=Count("bookings", filter=Q(bookings__status=Booking.Status.WAITLISTED)),
        )
        .select_related("class_type", "instructor", "room")
        .order_by("starts_at", "pk")
    )


# A view of the fill report: the session fields it groups by (the first is the
# key) and how a row is labelled.
_VIEWS: dict[str, tuple[list[str], Callable[[dict], str]]] = {
    "class_type": (["class_type", "class_type__title"], lambda row: row["class_type__title"]),
    "instructor": (
        ["instructor", "instructor__first_name", "instructor__last_name", "instructor__email"],
        lambda row: (
            " ".join(filter(None, [row["instructor__first_name"], row["instructor__last_name"]]))
            or row["instructor__email"]
        ),
    ),
    "slot": (["weekday", "hour"], lambda row: f"{WEEKDAYS[row['weekday'] - 1]} {row['hour']:02d}:00"),
}


def _sessions(period: DateRange) -> QuerySet:
    return ClassSession.objects.filter(starts_at__gte=period.since, starts_at__lt=period.until)


def _grouped(queryset: QuerySet, prefix: str, view: str) -> QuerySet:
    fields = _VIEWS[view][0]
    if view == "slot":
        # Local weekday and hour: the database converts to the gym's time zone.
        starts_at = f"{prefix}starts_at"
        queryset = queryset.annotate(weekday=ExtractIsoWeekDay(starts_at), hour=ExtractHour(starts_at))
        return queryset.values("weekday", "hour")
    return queryset.values(*(f"{prefix}{name}" for name in fields))


def class_fill(period: DateRange, *, view: str = "class_type") -> list[dict]:
    """Per class type / instructor / slot (``view``): ``sessions`` held or
    planned, ``cancelled`` sessions, ``capacity`` (seats offered), ``booked``
    (seats taken, attended and no-shows included), ``attended``, ``no_show``,
    ``waitlist_demand`` (bookings that joined a waitlist), ``fill_rate`` (%)."""
    fields, label = _VIEWS[view]
    scheduled = Q(status=ClassSession.Status.SCHEDULED)
    sessions = _grouped(_sessions(period), "", view).annotate(
        sessions=Count("pk", filter=scheduled),
        cancelled=Count("pk", filter=Q(status=ClassSession.Status.CANCELLED)),
        capacity=Coalesce(Sum("capacity", filter=scheduled), 0),
    )
    bookings = Booking.objects.filter(
        session__starts_at__gte=period.since,
        session__starts_at__lt=period.until,
        session__status=ClassSession.Status.SCHEDULED,
    )
    booked = _grouped(bookings, "session__", view).annotate(
        booked=Count("pk", filter=Q(status__in=Booking.HOLDS_SEAT)),
        attended=Count("pk", filter=Q(status=Booking.Status.ATTENDED)),
        no_show=Count("pk", filter=Q(status=Booking.Status.NO_SHOW)),
        waitlist_demand=Count("pk", filter=Q(waitlist_position__isnull=False)),
    )
    keys = ["weekday", "hour"] if view == "slot" else [fields[0]]
    by_key = {tuple(row[f"session__{k}" if view != "slot" else k] for k in keys): row for row in booked.order_by()}
    rows = []
    for row in sessions.order_by():
        counts = by_key.get(tuple(row[k] for k in keys), {})
        merged = {
            "key": tuple(row[k] for k in keys),
            "label": label(row),
            "sessions": row["sessions"],
            "cancelled": row["cancelled"],
            "capacity": row["capacity"],
            "booked": counts.get("booked", 0),
            "attended": counts.get("attended", 0),
            "no_show": counts.get("no_show", 0),
            "waitlist_demand": counts.get("waitlist_demand", 0),
        }
        merged["fill_rate"] = round(merged["booked"] * 100 / merged["capacity"], 1) if merged["capacity"] else None
        rows.append(merged)
    return sorted(rows, key=lambda r: r["key"] if view == "slot" else (r["label"] or "").lower())
