"""Shared by the WhatsApp outbox tests: a running Cloud API simulator with the
WHATSAPP_* settings pointed at it, and signed webhook posts through the test client."""

import json

import pytest

from core.notifications.whatsapp.simulator import WhatsAppSimulator
from core.notifications.whatsapp.simulator_replies import status_payload
from core.notifications.whatsapp.webhook import SIGNATURE_HEADER, sign

TOKEN = "flow-token-3b7e"
APP_SECRET = "flow-app-secret"
VERIFY_TOKEN = "flow-verify-token"
WEBHOOK = "/webhooks/whatsapp/"


def point_settings_at(settings, sim: WhatsAppSimulator) -> None:
    settings.WHATSAPP_TOKEN = TOKEN
    settings.WHATSAPP_PHONE_NUMBER_ID = sim.phone_number_id
    settings.WHATSAPP_BASE_URL = sim.base_url
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    settings.WHATSAPP_VERIFY_TOKEN = VERIFY_TOKEN
    settings.WHATSAPP_TIMEOUT = 5


@pytest.fixture
def wa_sim(settings):
    """A simulator that knows any template; the app's settings point at it."""
    with WhatsAppSimulator(token=TOKEN, app_secret=APP_SECRET) as sim:
        point_settings_at(settings, sim)
        yield sim


def status_body(wamid: str, status: str, timestamp: int = 1_765_000_000, to: str = "8801712345678") -> bytes:
    return json.dumps(status_payload("100000000000001", wamid, to, status, timestamp)).encode()


def post_signed(client, raw: bytes, *, secret: str = APP_SECRET, signature: str | None = None):
    headers = {} if signature == "" else {SIGNATURE_HEADER: signature or sign(raw, secret)}
    return client.post(WEBHOOK, data=raw, content_type="application/json", headers=headers)


def post_status(client, wamid: str, status: str, timestamp: int = 1_765_000_000):
    return post_signed(client, status_body(wamid, status, timestamp))
