import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from core.notifications.models import Message
from core.notifications.whatsapp import webhook
from core.notifications.whatsapp.webhook import (
    MalformedPayload,
    SignatureInvalid,
    SignatureMissing,
    SubscriptionRefused,
    load_payload,
    next_status,
    parse_statuses,
    sign,
    verify_signature,
    verify_subscription,
)

SECRET = "app-secret-for-tests"
WAMID = "wamid.HBgNODgwMTcxMjM0NTY3OBUCABEYEjQ5QTNDQTVCM0Q0Q0Q2RTY3RTcA"


def status_item(status="delivered", **overrides):
    item = {
        "id": WAMID,
        "status": status,
        "timestamp": "1767225600",
        "recipient_id": "8801712345678",
        "conversation": {"id": "3b1f7a0c2d", "origin": {"type": "utility"}},
        "pricing": {"billable": True, "pricing_model": "PMP", "category": "utility", "type": "regular"},
    }
    item.update(overrides)
    return item


def payload(*items, extra_changes=()):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "8809612345678", "phone_number_id": "106540352242922"},
        "statuses": list(items),
    }
    changes = [{"value": value, "field": "messages"}, *extra_changes]
    return {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": changes}]}


# --- signatures -----------------------------------------------------------------


def test_a_body_signed_with_the_app_secret_passes():
    body = json.dumps(payload(status_item())).encode()
    header = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()

    verify_signature(body, header, SECRET)  # no exception
    assert sign(body, SECRET) == header


def test_upper_case_hex_and_surrounding_spaces_pass():
    body = b'{"object":"whatsapp_business_account"}'
    verify_signature(body, "  sha256=" + sign(body, SECRET)[7:].upper() + " ", SECRET)


@pytest.mark.parametrize("header", [None, "", "   "])
def test_a_missing_signature_is_401(header):
    with pytest.raises(SignatureMissing) as caught:
        verify_signature(b"{}", header, SECRET)
    assert caught.value.status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        sign(b"{}", "another-secret"),
        "sha256=" + "0" * 64,
        "sha1=" + hashlib.sha1(b"{}").hexdigest(),  # noqa: S324 - the wrong algorithm on purpose
        sign(b"{}", SECRET)[7:],  # no prefix
        sign(b"{}", SECRET)[:-2],  # truncated
        "sha256=ünïcödé",
    ],
)
def test_a_bad_signature_is_403(header):
    with pytest.raises(SignatureInvalid) as caught:
        verify_signature(b"{}", header, SECRET)
    assert caught.value.status_code == 403


def test_a_tampered_body_is_403():
    # given
    body = json.dumps(payload(status_item("delivered"))).encode()
    header = sign(body, SECRET)
    tampered = body.replace(b'"delivered"', b'"read"')

    # then
    with pytest.raises(SignatureInvalid):
        verify_signature(tampered, header, SECRET)


def test_without_an_app_secret_nothing_is_trusted():
    # an empty key is a key anyone can sign with
    with pytest.raises(SignatureInvalid, match="WHATSAPP_APP_SECRET"):
        verify_signature(b"{}", sign(b"{}", ""), "")


# --- subscription ---------------------------------------------------------------


def subscribe(**overrides):
    params = {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"}
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def test_subscription_with_the_right_token_returns_the_challenge():
    assert verify_subscription(subscribe(), "verify-me") == "1158201444"


@pytest.mark.parametrize(
    ("params", "token"),
    [
        (subscribe(**{"hub.verify_token": "guess"}), "verify-me"),
        (subscribe(**{"hub.verify_token": None}), "verify-me"),
        (subscribe(**{"hub.mode": "unsubscribe"}), "verify-me"),
        (subscribe(**{"hub.challenge": None}), "verify-me"),
        (subscribe(**{"hub.challenge": "<script>alert(1)</script>"}), "verify-me"),
        (subscribe(**{"hub.verify_token": ""}), ""),  # not configured
    ],
)
def test_subscription_is_refused_with_403(params, token):
    with pytest.raises(SubscriptionRefused) as caught:
        verify_subscription(params, token)
    assert caught.value.status_code == 403


def test_subscription_accepts_a_django_querydict(rf):
    request = rf.get("/webhooks/whatsapp/", subscribe())
    assert verify_subscription(request.GET, "verify-me") == "1158201444"


# --- payloads ----------------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b"\xff\xfe", b""])
def test_a_body_that_is_not_a_json_object_is_malformed(raw):
    with pytest.raises(MalformedPayload) as caught:
        load_payload(raw)
    assert caught.value.status_code == 400


def test_parse_statuses_reads_a_delivery_receipt():
    # when
    events = parse_statuses(payload(status_item("delivered")))

    # then
    [event] = events
    assert event.provider_id == WAMID
    assert event.status == "DELIVERED"
    assert event.timestamp == datetime(2026, 1, 1, tzinfo=UTC)
    assert event.timestamp.tzinfo is not None
    assert event.recipient == "+8801712345678"
    assert event.error is None
    assert events.skipped == 0


def test_parse_statuses_reads_a_failure_with_its_reason():
    # given
    error = {
        "code": 131026,
        "title": "Message undeliverable",
        "message": "Message undeliverable",
        "error_data": {"details": "Message Undeliverable."},
        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
    }

    # when
    [event] = parse_statuses(payload(status_item("failed", errors=[error])))

    # then
    assert (event.status, event.error_code, event.retryable) == ("FAILED", 131026, False)
    assert event.error.startswith("WhatsApp error 131026: WhatsApp could not deliver")
    assert "Message undeliverable; Message Undeliverable." in event.error


def test_a_failure_without_errors_still_says_so():
    [event] = parse_statuses(payload(status_item("failed")))
    assert event.status == "FAILED"
    assert "without a reason" in event.error


def test_a_rate_limited_failure_is_retryable():
    [event] = parse_statuses(payload(status_item("failed", errors=[{"code": 130429, "title": "Rate limit hit"}])))
    assert event.retryable is True


def test_parse_statuses_keeps_payload_order_across_entries_and_changes():
    # given
    body = payload(status_item("sent", id="wamid.A"), status_item("read", id="wamid.B"))
    second = copy.deepcopy(body["entry"][0])
    second["changes"][0]["value"]["statuses"] = [status_item("delivered", id="wamid.C")]
    body["entry"].append(second)

    # when
    events = parse_statuses(body)

    # then
    assert [(e.provider_id, e.status) for e in events] == [
        ("wamid.A", "SENT"),
        ("wamid.B", "READ"),
        ("wamid.C", "DELIVERED"),
    ]


def test_malformed_status_entries_are_skipped_and_counted():
    # given: one good entry among broken ones
    broken = [
        "not an object",
        None,
        status_item(id=None),
        status_item(id=""),
        status_item(id=12345),
        status_item(status="deleted"),
        status_item(status=None),
        status_item(timestamp="yesterday"),
        status_item(timestamp=None),
        status_item(timestamp="-5"),
        status_item(timestamp="99999999999999999999"),
        status_item(timestamp=True),
    ]
    body = payload(*broken, status_item("read", id="wamid.good"))

    # when
    events = parse_statuses(body)

    # then
    assert [e.provider_id for e in events] == ["wamid.good"]
    assert events.skipped == len(broken)


def test_missing_or_odd_recipient_does_not_lose_the_status():
    item = status_item()
    del item["recipient_id"]
    events = parse_statuses(payload(item, status_item(id="wamid.2", recipient_id="abc")))
    assert [e.recipient for e in events] == ["", "abc"]


@pytest.mark.parametrize(
    ("body", "skipped"),
    [
        ([], 1),
        ({}, 0),
        ({"entry": "nope"}, 1),
        ({"entry": [None, {"changes": "nope"}, {"changes": [None, {"value": []}]}]}, 4),
        ({"entry": [{"changes": [{"value": {"statuses": "nope"}}]}]}, 1),
    ],
)
def test_broken_structure_is_counted_not_raised(body, skipped):
    events = parse_statuses(body)
    assert (list(events), events.skipped) == ([], skipped)


def test_incoming_messages_are_not_statuses_and_not_counted():
    # given: a member writes to the gym
    incoming = {
        "value": {
            "messaging_product": "whatsapp",
            "contacts": [{"profile": {"name": "Mia"}, "wa_id": "8801712345678"}],
            "messages": [
                {
                    "from": "8801712345678",
                    "id": "wamid.in",
                    "timestamp": "1767225600",
                    "type": "text",
                    "text": {"body": "hi"},
                }
            ],
        },
        "field": "messages",
    }

    # when
    events = parse_statuses(payload(status_item("sent"), extra_changes=[incoming]))

    # then
    assert ([e.status for e in events], events.skipped) == (["SENT"], 0)


# --- never backwards -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "incoming", "expected"),
    [
        ("QUEUED", "SENT", "SENT"),
        ("SENT", "DELIVERED", "DELIVERED"),
        ("DELIVERED", "READ", "READ"),
        ("QUEUED", "DELIVERED", "DELIVERED"),  # the send's reply was slower than the webhook
        ("QUEUED", "READ", "READ"),
        ("SENT", "READ", "READ"),  # read before delivered
        ("READ", "DELIVERED", None),  # ... and delivered arriving late
        ("READ", "SENT", None),
        ("DELIVERED", "SENT", None),
        ("SENT", "SENT", None),  # duplicates
        ("DELIVERED", "DELIVERED", None),
        ("READ", "READ", None),
        ("FAILED", "FAILED", None),
        ("QUEUED", "FAILED", "FAILED"),
        ("SENT", "FAILED", "FAILED"),
        ("DELIVERED", "FAILED", None),  # it reached the phone: failure is stale
        ("READ", "FAILED", None),  # failed after read is ignored
        ("FAILED", "SENT", None),  # nothing leaves FAILED
        ("FAILED", "READ", None),
        ("SENT", "QUEUED", None),
        ("SENT", "deleted", None),
        ("sent", "read", "READ"),  # case does not matter
    ],
)
def test_next_status(current, incoming, expected):
    assert next_status(current, incoming) == expected


def test_next_status_accepts_the_model_choices():
    assert next_status(Message.Status.SENT, Message.Status.READ) == Message.Status.READ


def test_next_status_refuses_an_unknown_current_status():
    with pytest.raises(ValueError, match="BOUNCED"):
        next_status("BOUNCED", "READ")


def test_statuses_and_timestamp_fields_match_the_message_model():
    # then
    assert {webhook.QUEUED, webhook.SENT, webhook.DELIVERED, webhook.READ, webhook.FAILED} == set(Message.Status.values)
    field_names = {f.name for f in Message._meta.get_fields()}
    assert set(webhook.TIMESTAMP_FIELDS.values()) <= field_names
