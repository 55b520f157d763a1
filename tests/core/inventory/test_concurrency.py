"""The stock invariant under concurrent desk sales, on PostgreSQL: each
thread has its own connection and real transactions."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from core.billing.models import Invoice
from core.billing.services import invoices as invoice_services
from core.billing.services import payments as payment_services
from core.inventory.models import SKU, StockMovement
from core.inventory.services.sales import sale_create
from fixtures.factories import SupportFactory
from fixtures.inventory_factories import SKUFactory

THREADS = 20
STOCK = 10


def run_in_threads(n: int, work, *, timeout: float = 60.0) -> list:
    """``work(i)`` in ``n`` threads released together, each on its own
    connection (closed at the end); returns each result or raised exception."""
    start = threading.Barrier(n, timeout=timeout)

    def _run(i: int):
        try:
            start.wait()
            return work(i)
        except Exception as exc:  # collected for the test to assert on
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(_run, i) for i in range(n)]
        return [f.result(timeout=timeout) for f in futures]


@pytest.fixture
def no_documents(monkeypatch):
    # The invoice PDF and receipt jobs (run inline by sync django-q) are not
    # what this test is about; they would render a PDF inside every thread.
    queued = []
    monkeypatch.setattr(invoice_services, "enqueue", lambda *args: queued.append(args))
    monkeypatch.setattr(payment_services, "enqueue", lambda *args: queued.append(args))
    return queued


# Real commits on separate connections (tests/conftest.py restores the role
# groups the end-of-test flush removes).
@pytest.mark.django_db(transaction=True)
def test_twenty_desks_selling_the_last_ten_units_sell_exactly_ten(no_documents):
    # given: 10 in stock and 20 desks each selling one at the same moment, half paying cash
    clerk = SupportFactory()
    sku = SKUFactory(code="WHEY-1KG-CHOC", stock=STOCK)
    connection.close()  # the threads must not share the main thread's connection

    # when
    results = run_in_threads(
        THREADS,
        lambda i: sale_create(items=[(sku, 1)], customer_name=f"Walk-in {i}", by=clerk, paid_cash=i % 2 == 0),
    )

    # then: exactly ten sold, the other ten refused naming the empty stock
    sold = [r for r in results if isinstance(r, Invoice)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert (len(sold), len(refused)) == (STOCK, THREADS - STOCK), results
    assert all("Only 0 in stock of SKU WHEY-1KG-CHOC" in str(e) for e in refused)
    # the stock is exactly zero and equals the ledger, never below zero on the way
    assert SKU.objects.get(pk=sku.pk).stock_on_hand == 0
    movements = list(StockMovement.objects.filter(sku=sku).order_by("at", "pk"))
    assert sum(m.quantity for m in movements) == 0
    assert [m.stock_after for m in movements if m.kind == "SOLD"] == list(range(STOCK - 1, -1, -1))
    assert StockMovement.objects.filter(sku=sku, kind="SOLD").count() == STOCK
    # ten invoices, numbered 1..10 without gaps (refused sales used up no number)
    year = timezone.localdate().year
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [
        f"INV-{year}-{n:06d}" for n in range(1, STOCK + 1)
    ]
    assert {i.number for i in sold} == set(Invoice.objects.values_list("number", flat=True))
    assert all(m.invoice_id for m in movements if m.kind == "SOLD")
