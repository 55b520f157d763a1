"""Members and memberships: head counts, renewals due, active members over
time and the monthly movement (new, renewed, lapsed, churn, MRR).

"Active on a day" in the time series means a not-cancelled membership of a
member still on the books covers that day (the status rule's payment and
freeze checks are about today only, so history cannot replay them)."""

import datetime
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from core.billing.models import Payment
from core.members.models import Member
from core.memberships.models import Membership, Plan
from core.reports.cache import cached_history
from core.reports.periods import add_months, last_months, month_end, month_start

MONEY = DecimalField(max_digits=14, decimal_places=2)
# Days in one interval unit, to bring every plan's price to 30 days (MRR).
UNIT_DAYS = {
    Plan.IntervalUnit.DAY: 1,
    Plan.IntervalUnit.WEEK: 7,
    Plan.IntervalUnit.MONTH: 30,
    Plan.IntervalUnit.YEAR: 365,
}


def member_counts(*, today: datetime.date) -> dict:
    """Members on the books (not deleted): ``active`` now and ``new_this_month`` (joined since the 1st)."""
    return Member.objects.aggregate(
        active=Count("pk", filter=Q(status=Member.Status.ACTIVE)),
        new_this_month=Count("pk", filter=Q(joined_on__gte=month_start(today), joined_on__lte=today)),
    )


def not_renewed(memberships: QuerySet, *, ending_from: datetime.date) -> QuerySet:
    """Memberships that are their member's latest (no later active term), of members still on the books.
    The same rule as the member list's "membership ends" filter (latest term by end date).
    ``ending_from`` is the earliest end date among ``memberships``: a later term ends after it, so
    the look-up only reads terms ending after that day (an index range, not the whole table)."""
    later = Membership.objects.filter(
        member=OuterRef("member"),
        status=Membership.Status.ACTIVE,
        ends_on__gt=OuterRef("ends_on"),
    ).filter(ends_on__gt=ending_from)
    deleted = Member.all_objects.filter(deleted_at__isnull=False).values("pk")
    return memberships.filter(status=Membership.Status.ACTIVE).exclude(member__in=deleted).exclude(Exists(later))


def expiry_counts(*, today: datetime.date, ahead: int = 7, behind: int = 30) -> dict:
    """Members whose latest membership ends ``today`` .. ``today + ahead`` (``expiring``)
    or ended in the ``behind`` days before today (``expired``), not renewed: the
    latest end date per member among terms ending since ``today - behind`` (one
    index range and a grouping; no anti-join over the whole table)."""
    first = today - datetime.timedelta(days=behind)
    deleted = Member.all_objects.filter(deleted_at__isnull=False).values("pk")
    latest = (
        Membership.objects.filter(status=Membership.Status.ACTIVE, ends_on__gte=first)
        .exclude(member__in=deleted)
        .values("member")
        .annotate(latest=Max("ends_on"))
        .filter(latest__lte=today + datetime.timedelta(days=ahead))
    )
    return latest.aggregate(
        expiring=Count("member", filter=Q(latest__gte=today)),
        expired=Count("member", filter=Q(latest__lt=today)),
    )


def renewals_due(*, first: datetime.date, last: datetime.date) -> QuerySet:
    """Not-renewed memberships ending in [first, last], soonest first, with the
    member's contact details, the plan and their last payment (date, amount)."""
    last_payment = Payment.objects.filter(invoice__member=OuterRef("member"), amount__gt=0).order_by(
        "-received_at", "-pk"
    )
    return (
        not_renewed(Membership.objects.filter(ends_on__gte=first, ends_on__lte=last), ending_from=first)
        .select_related("member__user", "plan")
        .annotate(
            last_paid_at=Subquery(last_payment.values("received_at")[:1]),
            last_paid_amount=Subquery(last_payment.values("amount")[:1]),
        )
        .order_by("ends_on", "member__code")
    )


def _on_the_books() -> QuerySet:
    """Not-cancelled memberships of members not deleted (a deleted member no longer counts, in any month)."""
    deleted = Member.all_objects.filter(deleted_at__isnull=False).values("pk")
    return Membership.objects.filter(status=Membership.Status.ACTIVE).exclude(member__in=deleted)


def _covering(day: datetime.date) -> Q:
    return Q(starts_on__lte=day, ends_on__gte=day)


def active_members_by_month(*, today: datetime.date, months: int = 12) -> list[dict]:
    """Members with a membership covering each month's last day (today for the
    current month), oldest month first: one pass of filtered counts. Terms of
    one member never overlap, so a day's covering terms are its members."""
    points = [min(month_end(first), today) for first in last_months(today, months)]
    counts = {f"m{i}": Count("pk", filter=_covering(day)) for i, day in enumerate(points)}
    totals = _on_the_books().filter(starts_on__lte=points[-1], ends_on__gte=points[0]).aggregate(**counts)
    return [{"month": month_start(day), "on": day, "active": totals[f"m{i}"]} for i, day in enumerate(points)]


def monthly_value() -> Case:
    """The membership's price brought to 30 days by its plan's interval."""
    whens = [
        When(plan__interval_unit=unit, then=F("price") * Value(Decimal(30)) / (F("plan__interval_count") * days))
        for unit, days in UNIT_DAYS.items()
    ]
    return Case(*whens, default=F("price"), output_field=MONEY)


def _months(first_month: datetime.date, last_month: datetime.date) -> list[datetime.date]:
    months, month = [], month_start(first_month)
    while month <= last_month and len(months) < 36:
        months.append(month)
        month = add_months(month, 1)
    return months


def _lapsed_by_month(months: list[datetime.date], today: datetime.date) -> dict:
    """Terms that ended in each month (before today) with no next term starting the day after.
    Terms never overlap, so "continued" means a term of the same member starts the next day."""
    first, last = months[0], min(month_end(months[-1]), today - datetime.timedelta(days=1))
    next_day = Cast(F("ends_on") + datetime.timedelta(days=1), DateField())
    # A following term starts within a day after the period: saying so lets PostgreSQL hash only
    # those terms for the anti-join, not all of them (0.2 s at 50,000 members, bench/, issue 11).
    following = Membership.objects.filter(
        member=OuterRef("member"), status=Membership.Status.ACTIVE, starts_on=OuterRef("next_day")
    ).filter(starts_on__gt=first, starts_on__lte=last + datetime.timedelta(days=1))
    ended = (
        _on_the_books()
        .filter(ends_on__gte=first, ends_on__lte=last)
        .annotate(next_day=next_day)
        .exclude(Exists(following))
    )
    return ended.aggregate(
        **{
            f"lapsed_{i}": Count("pk", filter=Q(ends_on__gte=m, ends_on__lte=month_end(m)))
            for i, m in enumerate(months)
        }
    )


def membership_movement(*, first_month: datetime.date, last_month: datetime.date, today: datetime.date) -> list[dict]:
    """Per month from ``first_month`` to ``last_month`` (any days in them):
    ``new`` (first terms started), ``renewed`` (renewals started), ``lapsed``
    (terms that ended without the next one starting the following day; only
    once the end has passed), ``active_start`` / ``active_end`` (members
    covered on the first / last day, today for the current month),
    ``churn_rate`` = lapsed / active at start, and ``mrr`` (30-day value of the
    memberships covering the last day). Two queries however many months."""
    months = _months(first_month, last_month)
    if not months:
        return []
    aggregates = {}
    for i, start in enumerate(months):
        end = month_end(start)
        at_end = min(end, today)
        starts = Q(starts_on__gte=start, starts_on__lte=end)
        aggregates[f"new_{i}"] = Count("pk", filter=starts & Q(renewed_from__isnull=True))
        aggregates[f"renewed_{i}"] = Count("pk", filter=starts & Q(renewed_from__isnull=False))
        aggregates[f"active_start_{i}"] = Count("pk", filter=_covering(start))
        aggregates[f"active_end_{i}"] = Count("pk", filter=_covering(at_end))
        aggregates[f"mrr_{i}"] = Coalesce(
            Sum("monthly", filter=_covering(at_end)), Value(Decimal("0")), output_field=MONEY
        )
    totals = (
        _on_the_books()
        .filter(starts_on__lte=month_end(months[-1]), ends_on__gte=months[0])
        .annotate(monthly=monthly_value())
        .aggregate(**aggregates)
    )
    totals.update(_lapsed_by_month(months, today) if months[0] < today else {})
    rows = []
    for i, start in enumerate(months):
        active_start, lapsed = totals[f"active_start_{i}"], totals.get(f"lapsed_{i}", 0)
        rows.append(
            {
                "month": start,
                "new": totals[f"new_{i}"],
                "renewed": totals[f"renewed_{i}"],
                "lapsed": lapsed,
                "active_start": active_start,
                "active_end": totals[f"active_end_{i}"],
                "churn_rate": (Decimal(lapsed) / active_start * 100).quantize(Decimal("0.1")) if active_start else None,
                "mrr": totals[f"mrr_{i}"].quantize(Decimal("0.01")),
            }
        )
    return rows


def membership_movement_now(
    *, first_month: datetime.date, last_month: datetime.date, today: datetime.date
) -> list[dict]:
    """``membership_movement`` with the months before this one from the report cache
    (core.reports.cache: an analytic pass over a year of terms, 0.3-0.5 s at 50,000
    members); this month's row is counted afresh on every visit."""
    this_month = month_start(today)
    past_last = min(month_end(last_month), this_month - datetime.timedelta(days=1))
    rows = []
    if month_start(first_month) <= past_last:
        key = f"movement:{month_start(first_month).isoformat()}:{past_last.isoformat()}"
        rows += cached_history(
            key, today, lambda: membership_movement(first_month=first_month, last_month=past_last, today=today)
        )
    if last_month >= this_month:
        rows += membership_movement(first_month=max(first_month, this_month), last_month=last_month, today=today)
    return rows
