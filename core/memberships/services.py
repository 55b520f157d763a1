"""Memberships: selling a term, renewing, cancelling, and the member status sync."""

import datetime

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.common.actors import current_actor
from core.common.validation import clean_built
from core.members.models import Member
from core.memberships.models import Membership, Plan
from core.memberships.rules import should_be_active
from core.memberships.status_sync import set_status_with_history

_UNIT_DELTA = {
    Plan.IntervalUnit.DAY: lambda n: relativedelta(days=n),
    Plan.IntervalUnit.WEEK: lambda n: relativedelta(weeks=n),
    Plan.IntervalUnit.MONTH: lambda n: relativedelta(months=n),
    Plan.IntervalUnit.YEAR: lambda n: relativedelta(years=n),
}


def term_end(*, plan: Plan, starts_on: datetime.date) -> datetime.date:
    """Last day of a term: a 1-month plan from 15 Jan ends on 14 Feb.

    When the same day does not exist in the target month (31 Jan + 1 month),
    the term runs to the end of that month (28 Feb) and the renewal starts on
    the 1st, so a later start never gets a shorter term and renewals stay on
    calendar months instead of drifting to the 28th."""
    same_day = starts_on + _UNIT_DELTA[plan.interval_unit](plan.interval_count)
    calendar_unit = plan.interval_unit in (Plan.IntervalUnit.MONTH, Plan.IntervalUnit.YEAR)
    if calendar_unit and same_day.day < starts_on.day:  # clamped to the end of a shorter month
        return same_day
    return same_day - datetime.timedelta(days=1)


def _lock_member(member: Member) -> Member:
    # Serialises membership changes per member, so overlap checks hold under concurrency.
    return Member.all_objects.select_for_update().get(pk=member.pk)


def _check_no_overlap(member: Member, starts_on: datetime.date, ends_on: datetime.date, exclude_pk=None) -> None:
    clash = (
        Membership.objects.filter(
            member=member, status=Membership.Status.ACTIVE, starts_on__lte=ends_on, ends_on__gte=starts_on
        )
        .exclude(pk=exclude_pk)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            f"{member.code} already has a membership from {clash.starts_on:%d %b %Y} to {clash.ends_on:%d %b %Y} "
            f"({clash.plan}); a new one must start after {clash.ends_on:%d %b %Y}."
        )


def membership_build(
    *,
    member: Member,
    plan: Plan,
    by=None,
    starts_on: datetime.date | None = None,
    note: str = "",
    renewed_from: Membership | None = None,
) -> Membership:
    """An unsaved, validated term of ``plan`` from ``starts_on`` (today by
    default). The caller holds the member's row lock (``_lock_member``) until it saves."""
    if member.deleted_at or member.purged_at:
        raise ValidationError(f"{member.code} is deleted; restore the member before selling a membership.")
    if not plan.is_active:
        raise ValidationError(f"The plan “{plan}” is no longer sold; choose an active plan.")
    starts_on = starts_on or timezone.localdate()
    ends_on = term_end(plan=plan, starts_on=starts_on)
    _check_no_overlap(member, starts_on, ends_on)
    membership = Membership(
        member=member,
        plan=plan,
        starts_on=starts_on,
        ends_on=ends_on,
        price=plan.price,
        renewed_from=renewed_from,
        created_by=by if by is not None and by.pk else None,
        note=note,
    )
    # Dates and price come from the plan (whose constraints hold them), the
    # overlap is checked above, and the renewal link is the latest term, which
    # no other active term renews: no query re-proves them.
    clean_built(membership)
    return membership


@transaction.atomic
def membership_create(
    *,
    member: Member,
    plan: Plan,
    starts_on: datetime.date | None = None,
    by=None,
    renewed_from: Membership | None = None,
    note: str = "",
) -> Membership:
    """Sell ``plan`` to ``member`` from ``starts_on`` (today by default)."""
    member = _lock_member(member)
    membership = membership_build(
        member=member, plan=plan, starts_on=starts_on, by=by, renewed_from=renewed_from, note=note
    )
    membership.save()
    member_status_apply(member=member)
    return membership


def membership_latest(*, member: Member) -> Membership | None:
    return (
        Membership.objects.filter(member=member, status=Membership.Status.ACTIVE)
        .select_related("plan", "invoice")
        .order_by("-ends_on")
        .first()
    )


def membership_build_renewal(
    *, member: Member, latest: Membership | None, plan: Plan | None = None, by=None
) -> Membership:
    """The next term, unsaved: from the day after ``latest`` ends, or today if
    it has lapsed. The caller holds the member's row lock."""
    plan = plan or (latest.plan if latest else None)
    if plan is None:
        raise ValidationError(f"{member.code} has no membership to renew; choose a plan.")
    today = timezone.localdate()
    starts_on = max(latest.ends_on + datetime.timedelta(days=1), today) if latest else today
    return membership_build(member=member, plan=plan, starts_on=starts_on, by=by, renewed_from=latest)


@transaction.atomic
def membership_renew(*, member: Member, plan: Plan | None = None, by=None) -> Membership:
    """The next term: from the day after the latest one ends, or today if it has lapsed."""
    member = _lock_member(member)
    membership = membership_build_renewal(member=member, latest=membership_latest(member=member), plan=plan, by=by)
    membership.save()
    member_status_apply(member=member)
    return membership


@transaction.atomic
def membership_cancel(*, membership: Membership, reason: str, by=None) -> Membership:
    if not (reason or "").strip():
        raise ValidationError("Give a reason for cancelling the membership.")
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status == Membership.Status.CANCELLED:
        raise ValidationError("This membership is already cancelled.")
    membership.status = Membership.Status.CANCELLED
    membership.note = f"Cancelled: {reason.strip()}"[:255]
    # Free the renewal link (one renewal per term), so the term it renewed can
    # be renewed again; the history table keeps the old link.
    membership.renewed_from = None
    membership.full_clean()
    membership.save(update_fields=["status", "note", "renewed_from", "updated_at"])
    member_refresh_status(member=membership.member)
    return membership


PLAN_IN_USE = "This plan has members; deactivate it instead."


@transaction.atomic
def plan_delete(*, plan: Plan) -> None:
    """Delete a plan nobody ever had; a plan with memberships is kept for their history."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if Membership.objects.filter(plan=plan).exists():
        raise ValidationError(PLAN_IN_USE)
    plan.delete()


def _status_now(member: Member, today: datetime.date) -> str:
    active = Member.all_objects.filter(pk=member.pk).filter(should_be_active(today)).exists()
    return Member.Status.ACTIVE if active else Member.Status.INACTIVE


# No savepoint of its own: it raises nothing a caller could catch and carry on after.
@transaction.atomic(savepoint=False)
def member_refresh_status(*, member: Member, today: datetime.date | None = None) -> Member:
    """Apply the status rule to one member (after a sale, freeze, payment...)."""
    return member_status_apply(member=_lock_member(member), today=today)


def member_status_apply(*, member: Member, today: datetime.date | None = None) -> Member:
    """``member_refresh_status`` for a member whose row the caller has locked
    since it read it (so its status is current): no second fetch."""
    today = today or timezone.localdate()
    status = _status_now(member, today)
    if status != member.status:
        member.status = status
        member.status_changed_at = timezone.now()
        member.save(update_fields=["status", "status_changed_at", "updated_at"])
    return member


@transaction.atomic
def members_sync_status(*, today: datetime.date | None = None) -> dict[str, int]:
    """Nightly: apply the status rule to every member, set-based: one statement
    per direction whatever the number of members; each change is written to
    history (with the health flags of the moment) as the current actor."""
    today = today or timezone.localdate()
    rule = should_be_active(today)
    now = timezone.now()
    actor = current_actor()
    to_active = Member.all_objects.filter(rule).exclude(status=Member.Status.ACTIVE)
    to_inactive = Member.all_objects.exclude(rule).exclude(status=Member.Status.INACTIVE)
    return {
        "active": set_status_with_history(to_active, Member.Status.ACTIVE, now=now, actor=actor),
        "inactive": set_status_with_history(to_inactive, Member.Status.INACTIVE, now=now, actor=actor),
    }
