"""The endpoints outside callers POST to without logging in (bKash's IPN via
SNS, Meta's WhatsApp statuses, ZKTeco ADMS devices): an oversized body is
refused with 413 from its declared length, before a byte of it is read, and a
replayed delivery changes nothing anywhere in the database.

Replays of the bKash IPN are covered by tests/core/billing/test_webhooks.py
(stored once by SNS MessageId, recorded once; processing asks bKash, never the
message). SNS's Timestamp is not checked for age: PROTOCOLS.md gives no limit,
SNS itself retries a delivery for as long as its delivery policy says, and a
replay is harmless for the reasons above; an old message signed with a
certificate no longer valid is refused (core.billing.gateways.sns).
"""

import datetime
import io

import pytest
from django.test import Client
from django.utils import timezone

from core.billing.services.webhooks import MAX_BODY_BYTES
from core.notifications.whatsapp.webhook import SIGNATURE_HEADER
from tests.core.notifications.test_status_webhook import sent_message
from tests.core.notifications.whatsapp_setup import APP_SECRET, post_status, status_body
from tests.devices.support import paying_member, push_device
from tests.security.state import fingerprint, tables

pytestmark = pytest.mark.django_db

SN = "SWEEPPUSH0001"


class UnreadableBody(io.RawIOBase):
    """A request body that records whether anyone read it."""

    def __init__(self):
        self.read_bytes = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        self.read_bytes += len(buffer)
        buffer[:] = b"x" * len(buffer)
        return len(buffer)


@pytest.mark.parametrize(
    ("path", "limit_setting", "headers"),
    [
        ("/webhooks/bkash/", None, {"HTTP_X_AMZ_SNS_MESSAGE_TYPE": "Notification"}),
        ("/webhooks/whatsapp/", "WHATSAPP_WEBHOOK_MAX_BYTES", {"HTTP_X_HUB_SIGNATURE_256": "sha256=" + "0" * 64}),
        (f"/iclock/cdata?SN={SN}&table=ATTLOG&Stamp=1", "ADMS_MAX_BODY_BYTES", {}),
        (f"/iclock/devicecmd?SN={SN}", "ADMS_MAX_BODY_BYTES", {}),
    ],
)
def test_an_oversized_body_is_413_before_it_is_read(path, limit_setting, headers, settings):
    # given: a registered device, and a body declared one byte over the endpoint's limit
    push_device(SN)
    limit = getattr(settings, limit_setting) if limit_setting else MAX_BODY_BYTES
    body = UnreadableBody()
    # when
    response = Client().generic(
        "POST", path, data=b"x", content_type="", CONTENT_LENGTH=str(limit + 1), **{"wsgi.input": body}, **headers
    )
    # then
    assert response.status_code == 413
    assert body.read_bytes == 0


def test_a_replayed_adms_punch_push_changes_nothing(client):
    # given: a device pushed one punch of a paying member
    push_device(SN)
    paying_member("4242")
    punched = timezone.localtime() - datetime.timedelta(minutes=3)
    body = f"4242\t{punched:%Y-%m-%d %H:%M:%S}\t0\t1\t0\r\n".encode()
    url = f"/iclock/cdata?SN={SN}&table=ATTLOG&Stamp=5"
    assert client.generic("POST", url, data=body, content_type="").content == b"OK: 1\n"
    # the device's own contact and health columns move on every request (the protocol's bookkeeping)
    names = [t for t in tables() if not t.startswith("devices_device")]
    before = fingerprint(names)
    # when: it sends the same push again (it never saw our OK)
    again = client.generic("POST", url, data=body, content_type="")
    # then
    assert again.content == b"OK: 1\n"
    assert fingerprint(names) == before


def test_a_replayed_whatsapp_status_changes_nothing(client, settings):
    # given: a delivered WhatsApp message whose "delivered" status came in once
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    sent_message("wamid.SWEEP")
    assert post_status(client, "wamid.SWEEP", "delivered").status_code == 200
    before = fingerprint(tables())
    # when: Meta delivers the same webhook again
    again = post_status(client, "wamid.SWEEP", "delivered")
    # then
    assert again.status_code == 200
    assert fingerprint(tables()) == before


def test_a_whatsapp_status_with_a_bad_signature_changes_nothing(client, settings):
    # given
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    sent_message("wamid.FORGED")
    before = fingerprint(tables())
    # when: a forged "read" arrives
    response = client.post(
        "/webhooks/whatsapp/",
        data=status_body("wamid.FORGED", "read"),
        content_type="application/json",
        **{f"HTTP_{SIGNATURE_HEADER.upper().replace('-', '_')}": "sha256=" + "0" * 64},
    )
    # then
    assert response.status_code == 403
    assert fingerprint(tables()) == before
