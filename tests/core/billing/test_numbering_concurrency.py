"""Invoice and receipt numbers under parallel writers, on PostgreSQL (real
transactions: each thread has its own connection)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.billing.models import Invoice, Payment
from core.billing.services import invoices as invoice_services
from core.billing.services import payments as payment_services
from core.billing.services.invoices import PDF_TASK
from core.billing.services.payments import payment_record
from core.memberships.models import Membership
from core.memberships.services import membership_create
from tests.core.billing.builders import (
    QueueRecorder,
    days,
    issue,
    make_member,
    make_plan,
    reload,
    run_in_threads,
    today,
)

THREADS = 8
PER_THREAD = 10


@pytest.fixture
def queued(monkeypatch) -> QueueRecorder:
    # These tests are about numbers and row locks; the PDF and receipt jobs
    # (which sync django-q would run inline in every thread) are asserted as
    # queued, and tested for themselves in test_documents.py.
    recorder = QueueRecorder()
    monkeypatch.setattr(invoice_services, "enqueue", recorder)
    monkeypatch.setattr(payment_services, "enqueue", recorder)
    return recorder


@pytest.mark.django_db(transaction=True)
def test_parallel_issuers_get_gapless_unique_numbers_and_failures_consume_none(queued):
    # given 8 front-desk sessions issuing at once, each also hitting a refused issue
    # after its number was drawn (a note too long for the invoice) and one refused
    # before (a due date in the past)
    year = today().year

    def desk(i: int) -> tuple[list[str], int]:
        numbers, refused = [], 0
        for n in range(PER_THREAD):
            numbers.append(issue(customer_name=f"Walk-in {i}-{n}").number)
            if n % 3 == 0:
                try:
                    issue(customer_name=f"Walk-in {i}-{n}", note="x" * 300)
                except ValidationError:
                    refused += 1
        try:
            issue(customer_name=f"Walk-in {i}", due_on=today() - days(1))
        except ValidationError:
            refused += 1
        return numbers, refused

    # when
    results = run_in_threads(THREADS, desk)

    # then every thread finished, every bad issue was refused...
    assert all(isinstance(r, tuple) for r in results), results
    assert sum(refused for _, refused in results) == THREADS * 5
    # ...and the numbers are exactly 1..80: no gaps, no duplicates
    numbers = sorted(n for thread_numbers, _ in results for n in thread_numbers)
    expected = [f"INV-{year}-{i:06d}" for i in range(1, THREADS * PER_THREAD + 1)]
    assert numbers == expected
    assert sorted(Invoice.objects.values_list("number", flat=True)) == expected
    # the next issue continues the sequence, and only committed invoices queued a PDF
    assert issue().number == f"INV-{year}-{THREADS * PER_THREAD + 1:06d}"
    assert len(queued.args_for(PDF_TASK)) == THREADS * PER_THREAD + 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_on_one_invoice_never_overpay(queued):
    # given an invoice of 1000 and six cashiers each taking 300 at the same moment
    invoice = issue(total="1000.00")

    # when
    results = run_in_threads(6, lambda i: payment_record(invoice=invoice, amount="300.00"))

    # then three fit (900), the other three are refused naming the balance left
    taken = [r for r in results if isinstance(r, Payment)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(taken) == 3 and len(refused) == 3, results
    assert all("balance of ৳100.00" in str(e) for e in refused)
    invoice = reload(invoice)
    assert invoice.amount_paid == Decimal("900.00")
    assert invoice.status == Invoice.Status.PARTIAL
    assert sum(p.amount for p in Payment.objects.filter(invoice=invoice)) == Decimal("900.00")
    year = today().year
    assert sorted(p.receipt_number for p in taken) == [f"RCT-{year}-{i:06d}" for i in (1, 2, 3)]


@pytest.mark.django_db(transaction=True)
def test_double_clicked_renewal_bills_once(queued):
    # given a member whose paid term runs now, clicking "renew" four times at once
    member = make_member()
    plan = make_plan(price="1200.00")
    current = membership_create(member=member, plan=plan, starts_on=today() - days(10))

    # when
    from core.billing.services.purchases import membership_renew_invoiced

    results = run_in_threads(4, lambda i: membership_renew_invoiced(member=member))

    # then one renewal, one invoice, returned to every click
    assert all(isinstance(r, Membership) for r in results), results
    assert len({r.pk for r in results}) == 1
    renewal = results[0]
    assert renewal.starts_on == current.ends_on + days(1)
    assert Membership.objects.filter(member=member).count() == 2
    assert Invoice.objects.filter(member=member).count() == 1
