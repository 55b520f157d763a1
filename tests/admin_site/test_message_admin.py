"""The outbox in the admin: a read-only log with a re-send action."""

import pytest
from django.utils import timezone

from core.notifications.models import Message
from fixtures.factories import MessageFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/notifications/message/"


def resend(client, *messages):
    return client.post(
        CHANGELIST, {"action": "resend", "_selected_action": [m.pk for m in messages], "index": 0}, follow=True
    )


@pytest.mark.parametrize("role", ["admin_user", "support_user"])
def test_outbox_pages_render_for_staff(client, request, role):
    # given
    message = MessageFactory(status=Message.Status.FAILED, last_error="SMTPDataError: (554, b'rejected') " * 5)
    client.force_login(request.getfixturevalue(role))
    # when
    changelist = client.get(CHANGELIST)
    filtered = client.get(CHANGELIST, {"status__exact": "FAILED"})
    change = client.get(f"{CHANGELIST}{message.pk}/change/")
    # then
    assert changelist.status_code == 200
    assert message.recipient in changelist.content.decode()
    assert "Failed" in filtered.content.decode()
    assert change.status_code == 200


def test_outbox_hides_the_message_context(client, admin_user):
    # given: context may hold personal data
    message = MessageFactory(context={"name": "Private-Detail-123"})
    client.force_login(admin_user)
    # when
    page = client.get(f"{CHANGELIST}{message.pk}/change/")
    # then
    assert "Private-Detail-123" not in page.content.decode()


def test_messages_cannot_be_added_or_deleted(client, admin_user):
    message = MessageFactory()
    client.force_login(admin_user)
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.post(f"{CHANGELIST}{message.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Message.objects.filter(pk=message.pk).exists()


def test_resend_action_requeues_failed_messages_only(client, support_user, django_capture_on_commit_callbacks):
    # given
    failed = MessageFactory(status=Message.Status.FAILED, attempts=5, failed_at=timezone.now())
    sent = MessageFactory(status=Message.Status.SENT, attempts=1)
    client.force_login(support_user)
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = resend(client, failed, sent)
    # then
    body = response.content.decode()
    assert "Re-queued" in body
    assert "Only failed messages can be re-sent; this one is sent." in body
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts, failed.failed_at) == (Message.Status.QUEUED, 0, None)
    assert (sent.status, sent.attempts) == (Message.Status.SENT, 1)
    assert len(callbacks) == 1  # one send queued, for the failed message
