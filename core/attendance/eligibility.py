"""May this member enter on a given day? Evaluated for a whole batch of
members with a fixed number of queries, so a device log of 100,000 punches
spread over months is judged day by day without one query per punch.

This mirrors the status rule of core.memberships.rules (covering term, not
frozen, paid enough) in Python, because a punch is judged on the day it was
made, not today; keep the two in step. Suspension is judged as it stands now
(it carries no dates); soft deletion by its timestamp.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from core.attendance.models import CheckIn
from core.members.models import Member
from core.memberships.models import Membership, MembershipFreeze

Reason = CheckIn.Reason


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    reason: str = ""

    @property
    def result(self) -> str:
        return CheckIn.Result.ALLOWED if self.allowed else CheckIn.Result.DENIED


ALLOWED = Verdict(True)


@dataclass(frozen=True, slots=True)
class _Term:
    pk: int
    starts_on: datetime.date
    ends_on: datetime.date
    invoice_status: str | None
    invoice_due_on: datetime.date | None

    def paid_enough(self, day: datetime.date) -> bool:
        # rules.paid_enough: no invoice, paid, or partly paid and not yet due.
        if self.invoice_status is None:
            return True
        if self.invoice_status == "PAID":
            return True
        return self.invoice_status == "PARTIAL" and self.invoice_due_on is not None and self.invoice_due_on >= day


class EligibilityBook:
    """Memberships and freezes of a set of members, loaded in two queries."""

    def __init__(self, members: Iterable[Member]):
        self._members = {m.pk: m for m in members}
        self._terms: dict[int, list[_Term]] = defaultdict(list)
        self._freezes: dict[int, list[tuple[datetime.date, datetime.date]]] = defaultdict(list)
        self._cache: dict[tuple[int, datetime.date], Verdict] = {}
        self._tz = timezone.get_current_timezone()
        if not self._members:
            return
        ids = list(self._members)
        terms = Membership.objects.filter(member_id__in=ids, status=Membership.Status.ACTIVE).values_list(
            "pk", "member_id", "starts_on", "ends_on", "invoice__status", "invoice__due_on"
        )
        for pk, member_id, starts_on, ends_on, inv_status, inv_due in terms:
            self._terms[member_id].append(_Term(pk, starts_on, ends_on, inv_status, inv_due))
        freezes = MembershipFreeze.objects.filter(membership__member_id__in=ids).values_list(
            "membership_id", "starts_on", "ends_on"
        )
        for membership_id, starts_on, ends_on in freezes:
            self._freezes[membership_id].append((starts_on, ends_on))

    def verdict(self, member: Member | None, at: datetime.datetime) -> Verdict:
        if member is None:
            return Verdict(False, Reason.UNKNOWN_ID)
        if member.purged_at is not None or (member.deleted_at is not None and member.deleted_at <= at):
            return Verdict(False, Reason.DELETED)
        if member.suspended_reason:
            return Verdict(False, Reason.SUSPENDED)
        day = at.astimezone(self._tz).date()  # the gym's calendar day
        key = (member.pk, day)
        verdict = self._cache.get(key)
        if verdict is None:
            verdict = self._cache[key] = self._membership_verdict(member.pk, day)
        return verdict

    def _membership_verdict(self, member_id: int, day: datetime.date) -> Verdict:
        terms = self._terms.get(member_id, [])
        covering = [t for t in terms if t.starts_on <= day <= t.ends_on]
        if not covering:
            ended = any(t.ends_on < day for t in terms)
            return Verdict(False, Reason.EXPIRED if ended else Reason.NO_MEMBERSHIP)
        thawed = [t for t in covering if not any(s <= day <= e for s, e in self._freezes.get(t.pk, ()))]
        if not thawed:
            return Verdict(False, Reason.FROZEN)
        if not any(t.paid_enough(day) for t in thawed):
            return Verdict(False, Reason.UNPAID)
        return ALLOWED
