"""A running bKash simulator and clients pointed at it over loopback."""

import uuid
from decimal import Decimal

import pytest
from django.core.cache.backends.locmem import LocMemCache

from core.billing.gateways.bkash import BkashClient
from core.billing.gateways.bkash_simulator import BkashSimulator

USERNAME = "gym-merchant"
PASSWORD = "merchant-password-7d1"
APP_KEY = "app-key-42"
APP_SECRET = "app-secret-9f3b"
CALLBACK = "http://127.0.0.1:9/payments/bkash/callback/"


@pytest.fixture
def sim():
    with BkashSimulator(username=USERNAME, password=PASSWORD, app_key=APP_KEY, app_secret=APP_SECRET) as running:
        yield running


@pytest.fixture
def make_client(sim):
    """make_client(**overrides) -> a client with its own token cache (tests never share a token)."""

    def _make(**overrides):
        settings = {
            "base_url": sim.base_url,
            "username": USERNAME,
            "password": PASSWORD,
            "app_key": APP_KEY,
            "app_secret": APP_SECRET,
            "timeout": 5.0,
            **overrides,
        }
        cache = settings.pop("cache", None) or LocMemCache(f"bkash-test-{uuid.uuid4()}", {})
        clock = settings.pop("clock", None)
        return BkashClient(cache=cache, **({"clock": clock} if clock else {}), **settings)

    return _make


@pytest.fixture
def client(make_client):
    return make_client()


@pytest.fixture
def create(client):
    """create(amount="100.00") -> CreatedPayment for a fresh invoice number."""

    def _create(amount="100.00", api=None):
        return (api or client).create_payment(
            amount=Decimal(amount),
            invoice_number=f"INV-2026-{uuid.uuid4().int % 1_000_000:06d}",
            payer_reference="01712345678",
            callback_url=CALLBACK,
        )

    return _create
