"""What members buy: memberships with invoices (and the member status that
follows from paying them), renewals and class packs."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.billing.models import ClassCredit, Invoice, InvoiceLine
from core.billing.services.invoices import invoice_void
from core.billing.services.payments import pack_credits_grant, payment_record, payment_refund
from core.billing.services.purchases import class_pack_buy, membership_renew_invoiced, membership_sell
from core.members.models import Member
from core.memberships.models import Membership
from core.memberships.services import member_refresh_status, members_sync_status, membership_create
from tests.core.billing.builders import days, make_member, make_pack, make_plan, member_status, reload, today

pytestmark = pytest.mark.django_db

ACTIVE, INACTIVE = Member.Status.ACTIVE, Member.Status.INACTIVE


def statuses_on(member: Member, day) -> tuple[str, str]:
    """(what member_refresh_status says, what members_sync_status says) on ``day``."""
    one = member_refresh_status(member=member, today=day).status
    # Flip the stored status so the nightly sync has to decide again by itself.
    Member.all_objects.filter(pk=member.pk).update(status=INACTIVE if one == ACTIVE else ACTIVE)
    members_sync_status(today=day)
    return one, member_status(member)


# Member status with billing: the rule in core/memberships/rules.py


@pytest.fixture
def sold(admin_user):
    """A one-month membership sold today, invoiced at 1500, due in 5 days."""
    member = make_member()
    plan = make_plan(price="1500.00")
    membership = membership_sell(member=member, plan=plan, by=admin_user, due_on=today() + days(5))
    return member, membership, membership.invoice


def test_sold_membership_with_an_unpaid_invoice_leaves_the_member_inactive(sold):
    # given / when
    member, membership, invoice = sold

    # then: right after the sale, and by both the single refresh and the nightly sync
    assert invoice.status == Invoice.Status.ISSUED
    assert membership.invoice == invoice
    assert invoice.lines.get().kind == InvoiceLine.Kind.MEMBERSHIP
    assert invoice.total == Decimal("1500.00")
    assert member_status(member) == INACTIVE
    assert statuses_on(member, today()) == (INACTIVE, INACTIVE)


def test_partly_paid_is_active_until_the_due_date_then_inactive(sold):
    # given
    member, _, invoice = sold

    # when
    payment_record(invoice=invoice, amount="500.00")

    # then ACTIVE now and on the due date; INACTIVE the day after
    assert reload(invoice).status == Invoice.Status.PARTIAL
    assert member_status(member) == ACTIVE
    assert statuses_on(member, today()) == (ACTIVE, ACTIVE)
    assert statuses_on(member, invoice.due_on) == (ACTIVE, ACTIVE)
    assert statuses_on(member, invoice.due_on + days(1)) == (INACTIVE, INACTIVE)


def test_paid_in_full_is_active(sold):
    # given
    member, membership, invoice = sold

    # when
    payment_record(invoice=invoice, amount="1500.00")

    # then, also long after the due date while the term lasts, and not after it
    assert member_status(member) == ACTIVE
    assert statuses_on(member, invoice.due_on + days(10)) == (ACTIVE, ACTIVE)
    assert statuses_on(member, membership.ends_on + days(1)) == (INACTIVE, INACTIVE)


def test_void_membership_invoice_is_inactive(sold, admin_user):
    # given
    member, _, invoice = sold

    # when
    invoice_void(invoice=invoice, reason="Customer walked out", by=admin_user)

    # then
    assert member_status(member) == INACTIVE
    assert statuses_on(member, today()) == (INACTIVE, INACTIVE)


def test_refund_of_a_paid_membership_turns_the_member_inactive(sold, admin_user):
    # given a paid membership
    member, _, invoice = sold
    payment = payment_record(invoice=invoice, amount="1500.00")
    assert member_status(member) == ACTIVE

    # when everything is refunded
    payment_refund(payment=payment, amount="1500.00", reason="Moved abroad", by=admin_user)

    # then
    assert member_status(member) == INACTIVE


def test_membership_without_invoice_is_active():
    # given / when: a term from before GymOS, or given free, with no invoice
    member = make_member()
    membership_create(member=member, plan=make_plan())

    # then
    assert member_status(member) == ACTIVE
    assert statuses_on(member, today()) == (ACTIVE, ACTIVE)


# Renewal


def test_renewal_starts_after_the_current_term_and_is_invoiced_at_the_plan_price(admin_user):
    # given a paid term that started ten days ago
    member = make_member()
    plan = make_plan(price="1800.00")
    current = membership_sell(member=member, plan=plan, starts_on=today() - days(10), by=admin_user)
    payment_record(invoice=current.invoice, amount="1800.00")

    # when
    renewal = membership_renew_invoiced(member=member, by=admin_user)

    # then
    assert renewal.pk != current.pk
    assert renewal.starts_on == current.ends_on + days(1)
    assert renewal.renewed_from == current
    assert renewal.plan == plan
    invoice = renewal.invoice
    assert invoice.member == member
    assert invoice.total == Decimal("1800.00")
    assert invoice.status == Invoice.Status.ISSUED
    assert invoice.lines.get().kind == InvoiceLine.Kind.MEMBERSHIP
    # the unpaid renewal does not touch today's (paid) status
    assert member_status(member) == ACTIVE


def test_renewing_twice_while_unpaid_does_not_bill_twice():
    # given
    member = make_member()
    membership_create(member=member, plan=make_plan(price="1000.00"), starts_on=today() - days(3))
    first = membership_renew_invoiced(member=member)

    # when
    second = membership_renew_invoiced(member=member)

    # then
    assert second.pk == first.pk
    assert second.invoice_id == first.invoice_id
    assert Invoice.objects.filter(member=member).count() == 1
    assert Membership.objects.filter(member=member).count() == 2


def test_once_the_renewal_is_paid_the_next_click_renews_again():
    # given a paid renewal
    member = make_member()
    membership_create(member=member, plan=make_plan(price="1000.00"))
    first = membership_renew_invoiced(member=member)
    payment_record(invoice=first.invoice, amount="1000.00")

    # when
    second = membership_renew_invoiced(member=member)

    # then
    assert second.pk != first.pk
    assert second.starts_on == first.ends_on + days(1)
    assert Invoice.objects.filter(member=member).count() == 2


def test_renewal_with_nothing_to_renew_asks_for_a_plan():
    # given / when / then
    with pytest.raises(ValidationError, match="has no membership to renew; choose a plan."):
        membership_renew_invoiced(member=make_member())


# Class packs


def test_buying_a_pack_invoices_it_and_credits_come_only_when_paid():
    # given
    member = make_member()
    pack = make_pack(credits=10, price="2000.00", validity_days=45)

    # when bought and partly paid
    invoice = class_pack_buy(member=member, pack=pack)
    payment_record(invoice=invoice, amount="1000.00")

    # then an invoice with a class-pack line and no credits yet
    line = invoice.lines.get()
    assert (line.kind, line.class_pack, line.quantity, invoice.total) == (
        InvoiceLine.Kind.CLASS_PACK,
        pack,
        1,
        Decimal("2000.00"),
    )
    assert not ClassCredit.objects.exists()

    # when paid in full
    payment_record(invoice=invoice, amount="1000.00")

    # then the credits are granted, expiring after the pack's validity
    credit = ClassCredit.objects.get()
    assert (credit.member, credit.invoice_line, credit.total, credit.used, credit.remaining) == (
        member,
        line,
        10,
        0,
        10,
    )
    assert credit.expires_on == today() + days(45)


def test_pack_credits_are_granted_once_however_often_payment_processing_runs(admin_user):
    # given a paid pack
    member = make_member()
    invoice = class_pack_buy(member=member, pack=make_pack(credits=5))
    payment_record(invoice=invoice, amount=invoice.total)

    # when the settling step runs again (a retried job, a late IPN) and a payment is re-tried
    again = pack_credits_grant(invoice=invoice)
    with pytest.raises(ValidationError, match="already paid in full"):
        payment_record(invoice=invoice, amount="1.00")

    # then
    assert again == []
    assert ClassCredit.objects.filter(member=member).count() == 1
    assert ClassCredit.objects.get().total == 5

    # and a refund followed by paying again does not grant a second time
    payment = invoice.payments.get()
    payment_refund(payment=payment, amount="100.00", reason="Discount given late", by=admin_user)
    payment_record(invoice=invoice, amount="100.00")
    assert ClassCredit.objects.filter(member=member).count() == 1


def test_quantity_two_grants_twice_the_credits():
    # given
    member = make_member()
    pack = make_pack(credits=8, price="1500.00")

    # when
    invoice = class_pack_buy(member=member, pack=pack, quantity=2)
    payment_record(invoice=invoice, amount="3000.00")

    # then
    assert invoice.total == Decimal("3000.00")
    assert ClassCredit.objects.get(member=member).total == 16


def test_a_free_single_class_is_credited_at_once():
    # given a free trial class (a pack of one at no charge)
    member = make_member()

    # when
    invoice = class_pack_buy(member=member, pack=make_pack(credits=1, price="0.00", validity_days=7))

    # then
    assert invoice.status == Invoice.Status.PAID
    credit = ClassCredit.objects.get(member=member)
    assert (credit.total, credit.expires_on) == (1, today() + days(7))


def test_an_inactive_pack_is_not_sold():
    # given
    pack = make_pack(is_active=False)

    # when / then
    with pytest.raises(ValidationError, match="is no longer sold"):
        class_pack_buy(member=make_member(), pack=pack)
    assert not Invoice.objects.exists()
