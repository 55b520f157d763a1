"""Issuing, totals, bad input, void and correction."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.billing.models import Invoice, InvoiceLine
from core.billing.services.invoices import LineSpec, invoice_correct, invoice_issue, invoice_void
from core.billing.services.payments import payment_record, payment_refund
from core.billing.services.purchases import membership_sell
from core.common.models import AuditEvent
from core.members.models import Member
from tests.core.billing.builders import days, issue, make_member, make_plan, member_status, reload, today

pytestmark = pytest.mark.django_db


def test_total_is_the_decimal_sum_of_lines_times_quantities(admin_user):
    # given a member buying three things
    member = make_member()
    lines = [
        LineSpec(description="Monthly plan", unit_price=Decimal("1500.00")),
        LineSpec(description="Protein shake", unit_price="120.50", quantity=3, kind=InvoiceLine.Kind.PRODUCT),
        LineSpec(description="Towel", unit_price="0.10", quantity=7),
    ]

    # when
    invoice = invoice_issue(member=member, lines=lines, by=admin_user)

    # then
    invoice = reload(invoice)
    assert invoice.total == Decimal("1862.20")
    assert isinstance(invoice.total, Decimal)
    assert [(li.description, li.quantity, li.amount) for li in invoice.lines.all()] == [
        ("Monthly plan", 1, Decimal("1500.00")),
        ("Protein shake", 3, Decimal("361.50")),
        ("Towel", 7, Decimal("0.70")),
    ]
    assert invoice.status == Invoice.Status.ISSUED
    assert invoice.amount_paid == Decimal("0.00")
    assert invoice.balance == Decimal("1862.20")
    assert invoice.currency == "BDT"
    assert invoice.issued_on == today()
    assert invoice.due_on == today() + days(7)
    assert invoice.issued_by == admin_user
    assert invoice.number == f"INV-{today().year}-000001"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lines": [LineSpec(description="Shake", unit_price="-5.00")]}, "“Shake”: a price cannot be negative."),
        (
            {"lines": [LineSpec(description="Shake", unit_price="5.00", quantity=0)]},
            "“Shake”: the quantity must be at least 1.",
        ),
        ({"lines": []}, "An invoice needs at least one line."),
    ],
    ids=["negative-price", "zero-quantity", "no-lines"],
)
def test_bad_lines_are_refused_with_a_clear_message(kwargs, message):
    # given / when
    with pytest.raises(ValidationError) as refused:
        invoice_issue(customer_name="Walk-in Karim", **kwargs)

    # then nothing is issued and no number is used
    assert refused.value.messages == [message]
    assert not Invoice.objects.exists()
    assert issue().number.endswith("-000001")


def test_an_invoice_needs_a_customer():
    # given / when
    with pytest.raises(ValidationError) as refused:
        invoice_issue(customer_name="   ", lines=[LineSpec(description="Day pass", unit_price="300")])

    # then
    assert refused.value.messages == ["Choose a member or enter the walk-in customer's name."]
    assert not Invoice.objects.exists()


def test_a_due_date_in_the_past_is_refused_and_uses_no_number():
    # given / when
    with pytest.raises(ValidationError) as refused:
        issue(due_on=today() - days(1))

    # then
    assert refused.value.message_dict == {"due_on": ["The due date cannot be in the past."]}
    assert issue(due_on=today()).number == f"INV-{today().year}-000001"


def test_a_deleted_member_cannot_be_invoiced():
    # given
    member = make_member()
    Member.all_objects.filter(pk=member.pk).update(deleted_at="2026-01-01T00:00:00Z")
    member = Member.all_objects.get(pk=member.pk)

    # when / then
    with pytest.raises(ValidationError, match="is deleted; restore the member"):
        issue(member=member)


def test_a_free_invoice_is_settled_at_once():
    # given / when: a complimentary line (no payment can ever be taken on it)
    invoice = issue(total="0.00")

    # then
    assert invoice.status == Invoice.Status.PAID
    assert invoice.balance == Decimal("0.00")


def test_void_requires_a_reason_and_is_audited(admin_user):
    # given
    invoice = issue()

    # when a reason is missing
    with pytest.raises(ValidationError, match="Give a reason for voiding"):
        invoice_void(invoice=invoice, reason="  ", by=admin_user)
    assert reload(invoice).status == Invoice.Status.ISSUED

    # when a reason is given
    invoice_void(invoice=invoice, reason="Wrong customer", by=admin_user)

    # then
    invoice = reload(invoice)
    assert invoice.status == Invoice.Status.VOID
    assert invoice.void_reason == "Wrong customer"
    assert invoice.voided_at is not None
    event = AuditEvent.objects.get(action="invoice.voided")
    assert event.actor == admin_user
    assert event.object_id == str(invoice.pk)
    assert "Wrong customer" in event.summary
    with pytest.raises(ValidationError, match="already void"):
        invoice_void(invoice=invoice, reason="again", by=admin_user)


def test_void_is_refused_while_money_is_on_the_invoice(admin_user):
    # given an invoice with a payment, later refunded in full
    invoice = issue(total="1000.00")
    payment = payment_record(invoice=invoice, amount="400.00", received_by=admin_user)

    # when / then: refused, naming the money
    with pytest.raises(ValidationError) as refused:
        invoice_void(invoice=invoice, reason="Mistake", by=admin_user)
    assert refused.value.messages == [
        f"{invoice.number} has ৳400.00 paid on it; refund the payments before voiding it."
    ]
    assert reload(invoice).status == Invoice.Status.PARTIAL

    # and once refunded, the void goes through
    payment_refund(payment=payment, amount="400.00", reason="Customer changed their mind", by=admin_user)
    assert invoice_void(invoice=invoice, reason="Mistake", by=admin_user).status == Invoice.Status.VOID


def test_voiding_a_paid_membership_invoice_refreshes_the_member(admin_user):
    # given a member made ACTIVE by a free (settled) membership invoice... (a void
    # needs no money on it, so the paid case is the complimentary one)
    member = make_member()
    membership = membership_sell(member=member, plan=make_plan(price="0.00"), by=admin_user)
    assert member_status(member) == Member.Status.ACTIVE

    # when
    invoice_void(invoice=membership.invoice, reason="Sold by mistake", by=admin_user)

    # then
    assert member_status(member) == Member.Status.INACTIVE


def test_correction_voids_and_replaces_and_moves_the_membership(admin_user):
    # given a membership invoiced at the wrong price
    member = make_member()
    membership = membership_sell(member=member, plan=make_plan(price="1500.00"), by=admin_user)
    wrong = membership.invoice

    # when
    replacement = invoice_correct(
        invoice=wrong,
        lines=[LineSpec(description="Monthly plan (student price)", unit_price="1200.00")],
        reason="Student discount forgotten",
        by=admin_user,
    )

    # then the old one is void with the reason, the new one points back to it
    wrong = reload(wrong)
    assert wrong.status == Invoice.Status.VOID
    assert wrong.void_reason == "Student discount forgotten"
    assert replacement.replaces == wrong
    assert wrong.replaced_by == replacement
    assert replacement.member == member
    assert replacement.total == Decimal("1200.00")
    assert replacement.number != wrong.number
    assert "Replaces " + wrong.number in replacement.note
    # and the membership is now paid through the replacement
    membership = reload(membership)
    assert membership.invoice == replacement
    assert AuditEvent.objects.filter(action="invoice.voided", object_id=str(wrong.pk)).count() == 1
    # paying the replacement makes the member active
    payment_record(invoice=replacement, amount="1200.00", received_by=admin_user)
    assert member_status(member) == Member.Status.ACTIVE


def test_correction_of_a_free_membership_into_another_free_one_keeps_the_member_active(admin_user):
    # given
    member = make_member()
    membership = membership_sell(member=member, plan=make_plan(price="0.00"), by=admin_user)

    # when
    invoice_correct(
        invoice=membership.invoice,
        lines=[LineSpec(description="Trial month (corrected dates)", unit_price="0.00")],
        reason="Dates",
        by=admin_user,
    )

    # then the status was judged against the replacement, not left at the void
    assert member_status(member) == Member.Status.ACTIVE
