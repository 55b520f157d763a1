"""/webhooks/whatsapp/: Meta's subscription check, signature before parsing,
and delivery statuses that only ever move a message forward."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import resolve
from django.utils import timezone

from core.notifications.models import Message, PendingStatus
from core.notifications.services import message_queue, messages_enqueue_due
from core.notifications.status import BUFFERED, pending_statuses_purge
from core.notifications.whatsapp.webhook import SIGNATURE_HEADER
from fixtures.factories import MessageFactory
from tests.core.notifications.whatsapp_setup import (
    APP_SECRET,
    VERIFY_TOKEN,
    WEBHOOK,
    post_signed,
    post_status,
    status_body,
)

pytestmark = pytest.mark.django_db

T0 = 1_765_000_000  # unix seconds


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


@pytest.fixture
def webhook_settings(settings):
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    settings.WHATSAPP_VERIFY_TOKEN = VERIFY_TOKEN
    return settings


def sent_message(wamid: str = "wamid.ABC", **fields) -> Message:
    fields = {"status": Message.Status.SENT, "sent_at": timezone.now(), "attempts": 1, **fields}
    return MessageFactory(
        channel=Message.Channel.WHATSAPP,
        recipient="+8801712345678",
        template="renewal_reminder",
        context={"parameters": ["Nusrat"]},
        provider_id=wamid,
        **fields,
    )


# --- subscription check (GET) ------------------------------------------------------


def test_subscription_check_echoes_the_challenge(client, webhook_settings):
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    response = client.get(WEBHOOK, params)
    assert response.status_code == 200
    assert response.content == b"1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {},
    ],
)
def test_subscription_check_with_a_wrong_token_or_mode_is_refused(client, webhook_settings, params):
    response = client.get(WEBHOOK, params)
    assert response.status_code == 403
    assert b"1158201444" not in response.content


def test_subscription_is_refused_while_no_verify_token_is_set(client, settings):
    settings.WHATSAPP_VERIFY_TOKEN = ""
    response = client.get(WEBHOOK, {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"})
    assert response.status_code == 403


# --- signature, size and shape (POST) ------------------------------------------------


def test_missing_signature_is_401_and_changes_nothing(client, webhook_settings):
    # given
    message = sent_message()
    # when
    response = post_signed(client, status_body("wamid.ABC", "delivered"), signature="")
    # then
    assert response.status_code == 401
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


@pytest.mark.parametrize(
    "signature",
    ["sha256=" + "0" * 64, "sha1=abc", "garbage", None],
    ids=["wrong-hmac", "wrong-scheme", "garbage", "other-secret"],
)
def test_bad_signature_is_403_and_changes_nothing(client, webhook_settings, signature):
    # given
    message = sent_message()
    raw = status_body("wamid.ABC", "delivered")
    # when
    if signature is None:
        response = post_signed(client, raw, secret="not-the-app-secret")
    else:
        response = post_signed(client, raw, signature=signature)
    # then
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert not PendingStatus.objects.exists()


def test_signature_is_checked_before_the_body_is_parsed(client, webhook_settings):
    # a body that is not even JSON, unsigned: refused for the signature, not for the JSON
    assert post_signed(client, b"{not json", signature="").status_code == 401
    assert post_signed(client, b"{not json", signature="sha256=" + "1" * 64).status_code == 403


def test_signed_but_malformed_json_is_400(client, webhook_settings):
    assert post_signed(client, b"{not json").status_code == 400
    assert post_signed(client, b"[1, 2]").status_code == 400


def test_webhooks_are_refused_while_no_app_secret_is_set(client, settings):
    settings.WHATSAPP_APP_SECRET = ""
    response = post_signed(client, status_body("wamid.ABC", "delivered"), secret="")
    assert response.status_code == 403


def test_a_body_over_the_size_limit_is_413(client, webhook_settings):
    # given
    webhook_settings.WHATSAPP_WEBHOOK_MAX_BYTES = 1024
    raw = json.dumps({"entry": [], "padding": "x" * 2000}).encode()
    # when / then: refused before the signature is even looked at
    assert post_signed(client, raw).status_code == 413
    assert post_signed(client, raw, signature="").status_code == 413


def test_other_methods_are_405(client, webhook_settings):
    assert client.put(WEBHOOK, data=b"{}").status_code == 405


def test_the_view_declares_it_is_open_to_signed_posts_only(webhook_settings):
    view = resolve(WEBHOOK).func
    assert view.access_rule == {"public": True, "signed_by": SIGNATURE_HEADER}
    assert view.csrf_exempt is True


def test_csrf_does_not_block_meta(webhook_settings):
    # given: a client that enforces CSRF like a browser would
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    sent_message()
    # when
    response = post_status(strict, "wamid.ABC", "delivered")
    # then
    assert response.status_code == 200


def test_a_payload_without_statuses_is_accepted_and_ignored(client, webhook_settings):
    # incoming messages and other fields come to the same URL
    payload = {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {"messages": []}}]}]}
    assert post_signed(client, json.dumps(payload).encode()).status_code == 200


# --- statuses ------------------------------------------------------------------------


def test_statuses_move_the_message_forward_with_whatsapps_times(client, webhook_settings):
    # given
    message = sent_message()
    # when
    post_status(client, "wamid.ABC", "delivered", T0 + 5)
    post_status(client, "wamid.ABC", "read", T0 + 60)
    # then
    message.refresh_from_db()
    assert message.status == Message.Status.READ
    assert message.delivered_at == at(T0 + 5)
    assert message.read_at == at(T0 + 60)


def test_out_of_order_and_duplicate_statuses_never_move_backwards(client, webhook_settings):
    # given
    message = sent_message()
    # when: read arrives first, then delivered, then everything again
    for status, ts in [
        ("read", T0 + 60),
        ("delivered", T0 + 5),
        ("sent", T0),
        ("read", T0 + 60),
        ("delivered", T0 + 5),
    ]:
        assert post_status(client, "wamid.ABC", status, ts).status_code == 200
    # then
    message.refresh_from_db()
    assert message.status == Message.Status.READ
    assert message.read_at == at(T0 + 60)
    assert message.delivered_at == at(T0 + 5)  # the late report still records when it was delivered


def test_failed_after_delivered_is_ignored(client, webhook_settings):
    message = sent_message()
    post_status(client, "wamid.ABC", "delivered", T0 + 5)
    post_status(client, "wamid.ABC", "failed", T0 + 6)
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED
    assert message.last_error == ""


def test_failed_is_recorded_with_whatsapps_reason_and_is_final(client, webhook_settings):
    # given
    message = sent_message()
    # when
    post_status(client, "wamid.ABC", "failed", T0 + 3)
    post_status(client, "wamid.ABC", "delivered", T0 + 5)
    post_status(client, "wamid.ABC", "read", T0 + 9)
    # then
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.failed_at == at(T0 + 3)
    assert "131026" in message.last_error and "could not deliver" in message.last_error
    assert message.retryable is False  # undeliverable: sending again will not help
    assert message.delivered_at is None and message.read_at is None


def test_a_retryable_failure_is_sent_again_by_the_sweep(
    client, webhook_settings, wa_sim, django_capture_on_commit_callbacks
):
    # given: WhatsApp sent it, then reported it failed for a reason that passes (its own outage)
    with django_capture_on_commit_callbacks(execute=True):
        message = message_queue(
            channel=Message.Channel.WHATSAPP,
            template="renewal_reminder",
            recipient="+8801712345678",
            dedupe_key="wa:retry",
            context={"parameters": ["Nusrat"]},
        )
    message.refresh_from_db()
    first_wamid = message.provider_id
    failure = json.loads(status_body(first_wamid, "failed", T0))
    failure["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = [
        {"code": 131000, "title": "Something went wrong"}
    ]
    # when
    assert post_signed(client, json.dumps(failure).encode()).status_code == 200
    # then: failed, but marked for another try after the backoff
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.retryable is True
    assert message.next_attempt_at > timezone.now()
    assert messages_enqueue_due(grace=timedelta(0)) == 0  # not yet
    # when: the backoff has passed and the sweep runs
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert messages_enqueue_due(grace=timedelta(0)) == 1
    # then: sent again under a new id; late reports about the old id do not touch it
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.attempts == 2
    assert message.retryable is False
    assert len(wa_sim.sent) == 2
    assert message.provider_id == wa_sim.sent[1].wamid != first_wamid
    post_status(client, first_wamid, "read", T0 + 9)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


def test_a_status_for_an_unknown_id_waits_and_is_applied_when_the_worker_stores_the_id(
    client, webhook_settings, wa_sim, django_capture_on_commit_callbacks
):
    # given: WhatsApp reports on a message before the worker saved the id its send returned
    wamid = "wamid.EARLY-BIRD"
    assert post_status(client, wamid, "sent", T0).status_code == 200
    assert post_status(client, wamid, "delivered", T0 + 2).status_code == 200
    assert post_status(client, wamid, "delivered", T0 + 2).status_code == 200  # twice
    assert sorted(PendingStatus.objects.values_list("status", flat=True)) == ["DELIVERED", "SENT"]
    # when: the send returns that id
    wa_sim.reply_next(200, {"messaging_product": "whatsapp", "messages": [{"id": wamid}]})
    with django_capture_on_commit_callbacks(execute=True):
        message = message_queue(
            channel=Message.Channel.WHATSAPP,
            template="renewal_reminder",
            recipient="+8801712345678",
            dedupe_key="wa:early",
            context={"parameters": ["Nusrat"]},
        )
    # then
    message.refresh_from_db()
    assert message.provider_id == wamid
    assert message.status == Message.Status.DELIVERED
    assert message.delivered_at == at(T0 + 2)
    assert not PendingStatus.objects.exists()


def test_a_status_for_an_id_that_never_turns_up_is_purged_after_a_week(client, webhook_settings):
    from core.notifications.status import message_status_apply

    # given
    outcome = message_status_apply(provider_id="wamid.NOT-OURS", status="DELIVERED", timestamp=at(T0))
    assert outcome == BUFFERED
    PendingStatus.objects.update(received_at=timezone.now() - timedelta(days=8))
    message_status_apply(provider_id="wamid.RECENT", status="READ", timestamp=at(T0))
    # when
    purged = pending_statuses_purge()
    # then
    assert purged == 1
    assert list(PendingStatus.objects.values_list("provider_id", flat=True)) == ["wamid.RECENT"]


def test_an_email_with_the_same_provider_id_is_never_touched(client, webhook_settings):
    email = MessageFactory(status=Message.Status.SENT, provider_id="wamid.ABC")
    post_status(client, "wamid.ABC", "read", T0)
    email.refresh_from_db()
    assert email.status == Message.Status.SENT
