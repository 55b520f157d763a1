"""Fixtures shared by several admin test modules. None is autouse: billing modules opt into
``private_storage`` and classes modules into ``clock`` with ``pytest.mark.usefixtures``."""

from decimal import Decimal

import pytest

from core.classes.services.bookings import booking_create
from fixtures.inventory_factories import ProductFactory, SKUFactory
from tests.core.classes.builders import local, make_member, one_off
from tests.support.classes import TUESDAY

# --- billing ---------------------------------------------------------------------------


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


# --- classes ---------------------------------------------------------------------------


@pytest.fixture
def yoga_tuesday(yoga, trainer, room):
    """Yoga on Tuesday 3 March 18:00-19:00 with 2 seats."""
    return one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, 18), capacity=2)


@pytest.fixture
def full_class(yoga_tuesday, plan):
    """yoga_tuesday with both seats booked and one member waiting: (session, [booked..., waiting])."""
    people = [make_member(plan=plan, first_name=name) for name in ("Rafi", "Mitu", "Karim")]
    bookings = [booking_create(session=yoga_tuesday, member=m) for m in people]
    return yoga_tuesday, bookings


@pytest.fixture
def as_admin(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def as_support(client, support_user):
    client.force_login(support_user)
    return client


# --- inventory -------------------------------------------------------------------------


@pytest.fixture
def whey(db):
    return SKUFactory(
        product=ProductFactory(name="Whey Protein"), code="WHEY-1KG-CHOC", flavour="Chocolate",
        price=Decimal("3500.00"), cost=Decimal("2600.00"), low_stock_threshold=3, stock=10,
    )  # fmt: skip


@pytest.fixture
def creatine(db):
    return SKUFactory(
        product=ProductFactory(name="Creatine"), code="CREA-300G", price=Decimal("1800.00"),
        cost=Decimal("1200.00"), low_stock_threshold=5, stock=2,
    )  # fmt: skip
