"""What members buy: membership renewals and class packs, each with an invoice."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.billing.models import ClassPack, Invoice, InvoiceLine
from core.billing.services.invoices import DEFAULT_DUE_DAYS, LineSpec, invoice_issue
from core.members.models import Member
from core.memberships.models import Membership, Plan
from core.memberships.services import (
    member_status_apply,
    membership_build,
    membership_build_renewal,
    membership_latest,
)


@transaction.atomic
def membership_sell(*, member, plan: Plan, starts_on=None, by=None, due_on=None, note: str = "") -> Membership:
    """A new term with its invoice. The member becomes ACTIVE once the invoice
    is paid (or partly paid and not yet due) and the term covers today."""
    member = Member.all_objects.select_for_update().get(pk=member.pk)
    membership = membership_build(member=member, plan=plan, starts_on=starts_on, by=by, note=note)
    return _save_invoiced(membership, by=by, due_on=due_on)


@transaction.atomic
def membership_renew_invoiced(*, member, plan: Plan | None = None, by=None, due_on=None) -> Membership:
    """Renew (the day after the current term ends, or today if lapsed) and invoice it.
    If the member already has an unpaid renewal, that one is returned instead
    of selling a second (a double-clicked button must not bill twice)."""
    # Lock the member first: two clicks racing past the check below would
    # otherwise each sell a term (the second starting after the first).
    member = Member.all_objects.select_for_update().get(pk=member.pk)
    latest = membership_latest(member=member)
    if (
        latest is not None
        and latest.invoice_id
        and latest.invoice.status in (Invoice.Status.ISSUED, Invoice.Status.PARTIAL)
        and (plan is None or latest.plan_id == plan.pk)
    ):
        return latest
    membership = membership_build_renewal(member=member, latest=latest, plan=plan, by=by)
    return _save_invoiced(membership, by=by, due_on=due_on)


def _save_invoiced(membership: Membership, *, by, due_on) -> Membership:
    """Issue the invoice, then save the term with it: one row and one history
    entry, and the member's status judged once, by the invoice (the member is
    locked by the caller)."""
    plan = membership.plan
    membership.invoice = invoice_issue(
        member=membership.member,
        lines=[
            LineSpec(
                description=f"{plan.name} membership, {membership.starts_on:%d %b %Y} – {membership.ends_on:%d %b %Y}",
                unit_price=membership.price,
                kind=InvoiceLine.Kind.MEMBERSHIP,
            )
        ],
        due_on=due_on or max(membership.starts_on, invoice_default_due()),
        by=by,
    )
    membership.save()
    member_status_apply(member=membership.member)
    return membership


def invoice_default_due() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=DEFAULT_DUE_DAYS)


@transaction.atomic
def class_pack_buy(*, member, pack: ClassPack, quantity: int = 1, by=None) -> Invoice:
    """Invoice a class pack; its credits are granted when the invoice is paid."""
    if not pack.is_active:
        raise ValidationError(f"“{pack}” is no longer sold.")
    return invoice_issue(
        member=member,
        lines=[
            LineSpec(
                description=f"{pack.name} ({pack.credits} class credits, valid {pack.validity_days} days)",
                unit_price=pack.price,
                quantity=quantity,
                kind=InvoiceLine.Kind.CLASS_PACK,
                class_pack=pack,
            )
        ],
        by=by,
    )
