"""bKash checkouts and webhook events in the admin: what needs attention, retries, and admins only."""

from decimal import Decimal

import pytest
from django.utils import timezone

from core.billing.models import BkashCheckout, WebhookEvent
from core.billing.services.webhooks import MAX_ATTEMPTS
from tests.admin_site.billing_support import INVOICES
from tests.core.billing.builders import issue, reload
from tests.support.responses import messages_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


# --- bKash checkouts and webhook events ---------------------------------------------


def test_checkouts_with_money_taken_but_not_booked_stand_out(client, admin_user):
    # given
    invoice = issue(total="300.00")
    flagged = BkashCheckout.objects.create(
        invoice=invoice, bkash_payment_id="TR-flagged", amount=Decimal("300.00"), trx_id="TRX9",
        status=BkashCheckout.Status.COMPLETED, last_error="bKash took ৳300.00 but the invoice is void: refund it.",
    )  # fmt: skip
    BkashCheckout.objects.create(invoice=invoice, bkash_payment_id="TR-waiting", amount=Decimal("300.00"))
    client.force_login(admin_user)
    # when
    page = client.get("/admin/billing/bkashcheckout/?attention=yes").content.decode()
    # then
    assert flagged.bkash_payment_id in page
    assert "Money taken, not booked" in page
    assert "TR-waiting" not in page


def test_retry_processing_queues_unprocessed_events(client, admin_user, django_capture_on_commit_callbacks):
    # given: an event whose retries ran out, and one already processed
    stuck = WebhookEvent.objects.create(
        source="bkash", event_id="m-stuck", payload={"Type": "UnsubscribeConfirmation"}, attempts=MAX_ATTEMPTS,
        last_error="Gave up after 10 attempts. BkashError: 503",
    )  # fmt: skip
    done = WebhookEvent.objects.create(
        source="bkash", event_id="m-done", payload={"Type": "Notification"}, processed_at=timezone.now()
    )
    client.force_login(admin_user)
    # when: the queued job runs (tasks run inline in tests)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/billing/webhookevent/", {"action": "retry", "_selected_action": [stuck.pk, done.pk]}, follow=True
        )
    # then
    stuck = reload(stuck)
    assert stuck.processed_at is not None
    assert stuck.attempts == MAX_ATTEMPTS + 1
    assert "1 event(s) queued for processing." in messages_of(response)
    assert "1 event(s) were already processed; left alone." in messages_of(response)
    assert reload(done).attempts == 0


def test_support_staff_do_not_see_the_online_payment_records(client, support_user):
    client.force_login(support_user)
    menu = client.get(INVOICES).content.decode()
    assert "/admin/billing/invoice/dues/" in menu
    assert "/admin/billing/webhookevent/" not in menu
    assert "/admin/billing/bkashcheckout/" not in menu
