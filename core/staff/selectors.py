"""Read side of staff: expiring certifications, the classes a leave touches,
the trainers free to take a class, a trainer's own lists."""

import datetime

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from core.accounts.models import User
from core.classes.conflicts import conflicts
from core.classes.models import ClassSession
from core.classes.selectors import with_counts
from core.staff.models import Certification, LeaveRequest, Trainer

EXPIRING_DAYS = 30


def certifications_expiring(*, days: int = EXPIRING_DAYS, today: datetime.date | None = None) -> QuerySet:
    """Certifications of active trainers that expire from ``today`` to
    ``today + days`` (inclusive), the soonest first. For the admin and the daily digest."""
    today = today or timezone.localdate()
    return (
        Certification.objects.filter(
            expires_on__gte=today,
            expires_on__lte=today + datetime.timedelta(days=days),
            trainer__user__is_active=True,
        )
        .select_related("trainer__user")
        .order_by("expires_on", "pk")
    )


def certification_state(certification: Certification, *, today: datetime.date | None = None) -> str:
    """ "expired", "expiring" (within EXPIRING_DAYS), "valid" or "no_expiry"."""
    if certification.expires_on is None:
        return "no_expiry"
    today = today or timezone.localdate()
    if certification.expires_on < today:
        return "expired"
    if certification.expires_on <= today + datetime.timedelta(days=EXPIRING_DAYS):
        return "expiring"
    return "valid"


def trainer_of(user: User) -> Trainer | None:
    """The trainer profile of ``user`` (None if not made yet)."""
    return Trainer.objects.filter(user=user).select_related("user").first()


def trainers_with_counts(queryset: QuerySet | None = None, *, today: datetime.date | None = None) -> QuerySet:
    """Trainers with ``client_count``, ``certification_count`` and
    ``expiring_count`` (expired or expiring within 30 days), in one query."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=EXPIRING_DAYS)
    queryset = Trainer.objects.all() if queryset is None else queryset
    return queryset.select_related("user").annotate(
        certification_count=Count("certifications", distinct=True),
        expiring_count=Count("certifications", filter=Q(certifications__expires_on__lte=soon), distinct=True),
        client_count=Count("user__clients", filter=Q(user__clients__deleted_at__isnull=True), distinct=True),
    )


def _overlapping(queryset: QuerySet, start: datetime.datetime, end: datetime.datetime) -> QuerySet:
    return queryset.filter(starts_at__lt=end, ends_at__gt=start)


def leave_sessions_affected(*, leave: LeaveRequest, now: datetime.datetime | None = None) -> QuerySet:
    """The classes still to come that this leave takes the trainer away from:
    scheduled, taught by the trainer, overlapping the leave. A class that was
    reassigned, moved out of the leave or cancelled is no longer listed, so an
    empty list means the leave is ready to approve."""
    now = now or timezone.now()
    sessions = ClassSession.objects.filter(
        instructor_id=leave.trainer.user_id, status=ClassSession.Status.SCHEDULED, starts_at__gt=now
    )
    return (
        with_counts(_overlapping(sessions, leave.starts_at, leave.ends_at))
        .select_related("class_type", "room", "instructor")
        .order_by("starts_at", "pk")
    )


def leave_blocking(
    *, trainer: Trainer, start: datetime.datetime, end: datetime.datetime, exclude_pk: int | None = None
) -> QuerySet:
    """Pending or approved leave of ``trainer`` overlapping [start, end)."""
    found = _overlapping(LeaveRequest.objects.filter(trainer=trainer, status__in=LeaveRequest.BLOCKING), start, end)
    return found.exclude(pk=exclude_pk) if exclude_pk else found


def trainers_free_for(*, session: ClassSession) -> list[User]:
    """Active trainers other than the session's instructor who teach nothing
    else at that time and are not on (pending or approved) leave then: the
    only ones offered when a class is reassigned. The clash rule is the
    classes' own (core.classes.conflicts), asked per trainer."""
    away = LeaveRequest.objects.filter(
        status__in=LeaveRequest.BLOCKING, starts_at__lt=session.ends_at, ends_at__gt=session.starts_at
    ).values("trainer__user_id")
    candidates = (
        User.objects.filter(role=User.Role.TRAINER, is_active=True)
        .exclude(pk=session.instructor_id)
        .exclude(pk__in=away)
        .order_by("first_name", "last_name", "pk")
    )
    free = []
    for trainer in candidates:
        clashes = conflicts(
            [(session.starts_at, session.ends_at)], room=session.room, instructor=trainer, exclude=Q(pk=session.pk)
        )
        if not any(what == "the same instructor" for _interval, _other, what in clashes):
            free.append(trainer)
    return free


def leave_requests_of(*, user: User) -> QuerySet:
    return LeaveRequest.objects.filter(trainer__user=user).select_related("decided_by").order_by("-starts_at", "-pk")


def leave_requests_with_counts(queryset: QuerySet | None = None) -> QuerySet:
    """Leave requests with ``affected_count``: the classes still to handle (one query for a page)."""
    queryset = LeaveRequest.objects.all() if queryset is None else queryset
    now = timezone.now()
    return queryset.select_related("trainer__user", "decided_by").annotate(
        affected_count=Count(
            "trainer__user__class_sessions",
            filter=Q(
                trainer__user__class_sessions__status=ClassSession.Status.SCHEDULED,
                trainer__user__class_sessions__starts_at__gt=now,
                trainer__user__class_sessions__starts_at__lt=F("ends_at"),
                trainer__user__class_sessions__ends_at__gt=F("starts_at"),
            ),
            distinct=True,
        )
    )
