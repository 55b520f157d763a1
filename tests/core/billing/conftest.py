"""A running bKash simulator and clients pointed at it over loopback."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client
from django.utils import timezone

from core.billing.gateways.bkash import BkashClient
from core.billing.gateways.bkash_sim_ipn import throwaway_signer
from core.billing.gateways.bkash_simulator import BkashSimulator
from tests.core.members.builders import make_member, make_plan, media_root, sell  # noqa: F401 - media_root: fixture

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


# --- online payments: the app pointed at the simulator -----------------------------


def point_settings_at(settings, sim) -> None:
    """GymOS's own BkashClient (built from settings) talks to ``sim``."""
    settings.BKASH_BASE_URL = sim.base_url
    settings.BKASH_USERNAME = USERNAME
    settings.BKASH_PASSWORD = PASSWORD
    settings.BKASH_APP_KEY = APP_KEY
    settings.BKASH_APP_SECRET = APP_SECRET
    settings.BKASH_TIMEOUT = 5.0
    settings.BKASH_IPN_TOPIC_ARNS = []


def make_portal_member(plan, *, first_name: str = "Rafi"):
    """A member who can use the portal (own password chosen), whose 1-month
    membership of ``plan`` ended 10 days ago."""
    member = make_member(first_name=first_name, phone="01712345678")
    sell(member, plan, timezone.localdate() - datetime.timedelta(days=40))
    member.user.must_change_password = False
    member.user.save(update_fields=["must_change_password"])
    return member


@pytest.fixture
def bkash_settings(settings, sim):
    point_settings_at(settings, sim)
    return settings


@pytest.fixture
def sns_trust(monkeypatch):
    """The webhook trusts the simulator's throwaway SNS key; SubscribeURL visits
    are recorded in the returned list instead of being made."""
    from core.billing.services import webhooks

    _key, pem = throwaway_signer()
    monkeypatch.setattr(webhooks, "fetch_certificate", lambda url: pem)
    visits: list[str] = []
    monkeypatch.setattr(webhooks, "confirm_subscription", visits.append)
    return visits


@pytest.fixture
def browser(db):
    """A Django test client (``client`` here is the bKash API client)."""
    return Client()


@pytest.fixture
def lapsed_member(db, request):
    """lapsed_member(first_name) -> see make_portal_member. PDFs go to a temporary MEDIA_ROOT."""
    request.getfixturevalue("media_root")
    plan = make_plan(name=f"Monthly {uuid.uuid4().hex[:6]}", price="2000.00")
    return lambda first_name="Rafi": make_portal_member(plan, first_name=first_name)
