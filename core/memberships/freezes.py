"""Freezing a membership: the member pauses, the end date moves out."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.memberships.models import Membership, MembershipFreeze
from core.memberships.services import _lock_member, member_refresh_status


def _shift_later_terms(membership: Membership, days: int) -> None:
    """Renewals already sold start after this term: move them by the same days."""
    later = Membership.objects.filter(
        member_id=membership.member_id, status=Membership.Status.ACTIVE, starts_on__gt=membership.ends_on
    ).order_by("-starts_on")  # latest first, so no intermediate overlap
    for term in later:
        term.starts_on += datetime.timedelta(days=days)
        term.ends_on += datetime.timedelta(days=days)
        term.save(update_fields=["starts_on", "ends_on", "updated_at"])


def _move_end(membership: Membership, days: int) -> None:
    if days > 0:
        _shift_later_terms(membership, days)
    membership.ends_on += datetime.timedelta(days=days)
    membership.save(update_fields=["ends_on", "updated_at"])
    if days < 0:
        _shift_later_terms(membership, days)


@transaction.atomic
def freeze_create(
    *, membership: Membership, starts_on: datetime.date, ends_on: datetime.date, reason: str, by=None
) -> MembershipFreeze:
    """Pause a membership from ``starts_on`` to ``ends_on`` (inclusive)."""
    _lock_member(membership.member)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    today = timezone.localdate()
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give a reason for the freeze (e.g. travel, injury)."})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "The freeze must end on or after the day it starts."})
    if starts_on < today:
        raise ValidationError(
            {"starts_on": f"A freeze cannot start in the past; the earliest start is {today:%d %b %Y}."}
        )
    if membership.status != Membership.Status.ACTIVE:
        raise ValidationError("Only an active membership can be frozen.")
    if not membership.starts_on <= starts_on <= membership.ends_on:
        raise ValidationError(
            {
                "starts_on": f"The freeze must start within the membership ({membership.starts_on:%d %b %Y} – "
                f"{membership.ends_on:%d %b %Y})."
            }
        )
    clash = membership.freezes.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).first()
    if clash is not None:
        raise ValidationError(f"This overlaps the freeze from {clash.starts_on:%d %b %Y} to {clash.ends_on:%d %b %Y}.")
    freeze = MembershipFreeze(
        membership=membership,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.strip(),
        created_by=by if by is not None and by.pk else None,
    )
    freeze.full_clean()
    freeze.save()
    _move_end(membership, freeze.days)
    member_refresh_status(member=membership.member)
    return freeze


@transaction.atomic
def freeze_end_early(*, freeze: MembershipFreeze, by=None) -> MembershipFreeze | None:
    """Stop a freeze today (or drop it if it has not started); unused days come off the extension."""
    freeze = MembershipFreeze.objects.select_for_update().select_related("membership").get(pk=freeze.pk)
    membership = Membership.objects.select_for_update().get(pk=freeze.membership_id)
    today = timezone.localdate()
    if freeze.ends_on < today:
        raise ValidationError("This freeze is already over.")
    if freeze.starts_on >= today:
        unused = freeze.days
        freeze.delete()
        result = None
    else:
        new_end = today - datetime.timedelta(days=1)
        unused = (freeze.ends_on - new_end).days
        freeze.ends_on = new_end
        freeze.save(update_fields=["ends_on", "updated_at"])
        result = freeze
    _move_end(membership, -unused)
    member_refresh_status(member=membership.member)
    return result
