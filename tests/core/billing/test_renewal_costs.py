"""What one renewal costs, end to end: renew → pay in full → receipt queued and
sent, the path bench/scenarios/renewals.py times 1,000 times. The query counts
are pinned per step, so a fetch, savepoint or validation query added anywhere
on the path fails here (and says in which step)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.billing.models import Invoice
from core.billing.services.documents import payment_send_receipt
from core.billing.services.payments import payment_record
from core.billing.services.purchases import membership_renew_invoiced
from core.members.models import Member
from core.memberships.models import Membership
from core.memberships.services import membership_create
from core.notifications.models import Message
from core.notifications.services import message_send
from tests.core.billing.builders import days, make_member, make_plan, today

pytestmark = pytest.mark.django_db

# renew: lock the member, latest term (with plan and invoice), overlap check, invoice
# (counter, row, history, line, in a savepoint), term and its history, status rule, savepoint.
# pay: lock the invoice (with its member), counter, payment and history, invoice and
# history, audit event, class-pack lines, lock the member, status rule, savepoint.
# receipt: dedupe check, payment with invoice/member/user, invoice payments, receipt
# stored, invoice lines, invoice PDF stored, the outbox's dedupe check and insert (savepoint).
# send: claim, read, mark sent.
QUERIES_PER_STEP = {"renew": 15, "pay": 13, "receipt": 10, "send": 3}


def renew_pay_and_send(member, by):
    counts = {}
    with CaptureQueriesContext(connection) as queries:
        membership = membership_renew_invoiced(member=member, by=by)
    counts["renew"] = len(queries)
    invoice = membership.invoice
    with CaptureQueriesContext(connection) as queries:
        payment = payment_record(invoice=invoice, amount=invoice.total - invoice.amount_paid, received_by=by)
    counts["pay"] = len(queries)
    with CaptureQueriesContext(connection) as queries:
        message = payment_send_receipt(payment_id=payment.pk)
    counts["receipt"] = len(queries)
    with CaptureQueriesContext(connection) as queries:
        message = message_send(message_id=message.pk)
    counts["send"] = len(queries)
    return membership, message, counts


def member_in_a_term(plan, *, started_days_ago: int) -> Member:
    member = make_member()
    membership_create(member=member, plan=plan, starts_on=today() - days(started_days_ago))
    return member


def test_one_renewal_end_to_end_costs_a_fixed_number_of_queries(admin_user, media_root, mailoutbox):
    # given a gym already numbering invoices and receipts (one renewal done), and a
    # member whose paid one-month term ends in 10 days
    plan = make_plan(price="2500.00")
    renew_pay_and_send(member_in_a_term(plan, started_days_ago=20), admin_user)
    member = member_in_a_term(plan, started_days_ago=20)
    mailoutbox.clear()

    # when the member renews, pays in full and the receipt job runs
    membership, message, counts = renew_pay_and_send(member, admin_user)

    # then each step took exactly its pinned number of queries
    assert counts == QUERIES_PER_STEP
    # and did the whole job: the new term is paid, the receipt went to the member with both PDFs
    assert Invoice.objects.get(pk=membership.invoice_id).status == Invoice.Status.PAID
    assert message.status == Message.Status.SENT
    assert Message.objects.get(pk=message.pk).status == Message.Status.SENT
    (email,) = mailoutbox
    assert email.to == [member.user.email]
    assert [name for name, _content, mimetype in email.attachments if mimetype == "application/pdf"] == [
        f"{membership.invoice.payments.get().receipt_number}.pdf",
        f"{membership.invoice.number}.pdf",
    ]


def test_a_renewal_is_written_once_with_its_invoice(admin_user):
    # given a member whose term ends in 10 days
    member = member_in_a_term(make_plan(), started_days_ago=20)

    # when
    renewal = membership_renew_invoiced(member=member, by=admin_user)

    # then the term has one history row, created with its invoice already set
    rows = Membership.history.filter(id=renewal.pk)
    assert [(row.history_type, row.invoice_id) for row in rows] == [("+", renewal.invoice_id)]


def test_renewing_a_lapsed_member_does_not_flip_the_status_back_and_forth(admin_user):
    # given a member whose term ended 10 days ago (inactive)
    member = member_in_a_term(make_plan(), started_days_ago=40)
    assert Member.all_objects.get(pk=member.pk).status == Member.Status.INACTIVE
    history_before = Member.history.filter(id=member.pk).count()

    # when the desk renews from today, invoice not yet paid
    membership_renew_invoiced(member=member, by=admin_user)

    # then the member stays inactive, with no status change written (not active, then inactive again)
    assert Member.all_objects.get(pk=member.pk).status == Member.Status.INACTIVE
    assert Member.history.filter(id=member.pk).count() == history_before
