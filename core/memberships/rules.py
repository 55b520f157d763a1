"""The one rule for "is this member active?", as database expressions, so the
same rule serves a single member and the nightly set-based sync.

A member is ACTIVE only while a membership covers today, is not frozen today,
its invoice is paid in full (or partly paid and not yet past its due date),
and the member is neither suspended, soft-deleted nor purged. A membership
without an invoice (imported from before GymOS, or given free) counts as paid.
"""

import datetime
import functools

from django.db.models import Exists, OuterRef, Q, QuerySet

from core.memberships.models import Membership, MembershipFreeze


def frozen_on(today: datetime.date) -> QuerySet:
    return MembershipFreeze.objects.filter(starts_on__lte=today, ends_on__gte=today)


def covering_memberships(today: datetime.date) -> QuerySet:
    """ACTIVE memberships whose dates include ``today`` (frozen or not)."""
    return Membership.objects.filter(status=Membership.Status.ACTIVE, starts_on__lte=today, ends_on__gte=today)


def paid_enough(today: datetime.date) -> Q:
    """Over Membership: its invoice allows use today."""
    return (
        Q(invoice__isnull=True) | Q(invoice__status="PAID") | Q(invoice__status="PARTIAL", invoice__due_on__gte=today)
    )


@functools.lru_cache(maxsize=4)
def _entitling_memberships(today: datetime.date) -> QuerySet:
    return (
        covering_memberships(today)
        .filter(paid_enough(today))
        .exclude(Exists(frozen_on(today).filter(membership=OuterRef("pk"))))
    )


def entitling_memberships(today: datetime.date) -> QuerySet:
    """Memberships that make their member ACTIVE today. Built once per day (and
    process) and handed out as a fresh copy, never evaluated itself: building it
    was a third of the rule checks every class booking makes."""
    return _entitling_memberships(today).all()


def should_be_active(today: datetime.date) -> Q:
    """A Q over Member: true where the member should be ACTIVE on ``today``."""
    return Q(
        Exists(entitling_memberships(today).filter(member=OuterRef("pk"))),
        deleted_at__isnull=True,
        purged_at__isnull=True,
        suspended_reason="",
    )
