"""The dues page in the admin: open invoices past due, oldest first, the due-soon view and the CSV export."""

import csv
import io

import pytest
from django.utils import timezone

from core.billing.models import Invoice
from core.billing.services.payments import payment_record
from tests.admin_site.billing_support import DUES, INVOICES
from tests.core.billing.builders import days, issue, make_member, reload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


def overdue(invoice: Invoice, *, by_days: int) -> Invoice:
    # Test setup only: an invoice issued a while ago whose due date has passed
    # (the service refuses past due dates when issuing, rightly).
    today = timezone.localdate()
    Invoice.objects.filter(pk=invoice.pk).update(issued_on=today - days(by_days + 7), due_on=today - days(by_days))
    return reload(invoice)


# --- dues -------------------------------------------------------------------------------


def test_dues_list_only_open_invoices_past_due_oldest_first(client, support_user):
    # given
    member = make_member(first_name="Rafi", last_name="Ahmed")
    member.phone = "+8801711000000"
    member.save(update_fields=["phone"])
    old = overdue(issue(member=member, total="1000.00"), by_days=20)
    partial = issue(total="800.00", customer_name="Karim")
    payment_record(invoice=partial, amount="300.00")
    partial = overdue(partial, by_days=3)
    paid = issue(total="500.00")
    payment_record(invoice=paid, amount="500.00")
    overdue(paid, by_days=10)
    void = issue(total="500.00")
    from core.billing.services.invoices import invoice_void

    invoice_void(invoice=void, reason="Twice")
    overdue(void, by_days=10)
    not_yet = issue(total="700.00", due_on=timezone.localdate() + days(3))
    client.force_login(support_user)
    # when
    page = client.get(DUES).content.decode()
    soon = client.get(f"{DUES}?soon=1").content.decode()
    filtered = client.get(f"{INVOICES}?due=overdue").content.decode()
    # then
    assert old.number in page and partial.number in page
    assert page.index(old.number) < page.index(partial.number)
    for absent in (paid, void, not_yet):
        assert absent.number not in page
        assert absent.number not in filtered
    assert "+8801711000000" in page
    assert "20 days late" in page
    assert "৳500.00" in page  # Karim's balance
    assert "2</strong> invoices, <strong>৳1,500.00</strong> owed" in page
    assert not_yet.number in soon and "due in 3 days" in soon


def test_dues_csv_export(client, support_user):
    # given
    invoice = overdue(issue(total="1000.00", customer_name="=HYPERLINK(evil)"), by_days=5)
    client.force_login(support_user)
    # when
    response = client.get(f"{DUES}?format=csv")
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Invoice", "Member code", "Customer"]
    assert rows[1][0] == invoice.number
    assert rows[1][2] == "'=HYPERLINK(evil)"  # never a live formula in a spreadsheet
    assert rows[1][5:] == ["5", "1000.00", "0.00", "1000.00"]
