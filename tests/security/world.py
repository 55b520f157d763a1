"""A small gym for the access tests, built once per module through the
services: member A (trainer T's client) and member B (trainer U's), each with
a photo, a paid invoice and its receipt, a booking, a workout program and a
ticket with an image; T's and U's classes and certificates; support staff,
an admin, and a staff login with no permission at all.

``world_fixture()`` makes a module-scoped fixture: the world lives in one
transaction rolled back when the module ends (each test rolls back its own
changes inside it), and its files go to a temporary MEDIA_ROOT.
"""

import datetime
import tempfile
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from core.accounts.models import User
from core.billing.services.payments import payment_record
from core.classes.services.bookings import booking_create
from core.members.models import Member
from core.members.services import member_set_photo, member_update
from core.programs.services import workout_program_save
from core.staff.services.accounts import trainer_profile_ensure
from core.staff.services.certifications import certification_add
from core.support.services import ticket_open
from fixtures.factories import AdminFactory, SupportFactory
from tests.core.billing.builders import issue, make_pack
from tests.core.classes.builders import make_class_type, make_member, make_plan, make_room, make_trainer, one_off
from tests.core.members.builders import image_upload

ROLES = ("anon", "member_a", "member_b", "trainer_t", "trainer_u", "support", "admin")
# A closed port on loopback: a bKash call fails at once instead of waiting for a timeout.
BKASH_DOWN = "http://127.0.0.1:9/v1.2.0-beta"


@dataclass
class World:
    users: dict[str, User | None]
    args: dict[str, object] = field(default_factory=dict)  # URL arguments by name (A's and T's objects)
    objects: dict[str, object] = field(default_factory=dict)

    def client(self, role: str) -> Client:
        client = Client()
        if self.users[role] is not None:
            client.force_login(self.users[role])
        return client


def _member_things(world: World, key: str, member: Member, trainer: User, session, plan_title: str) -> None:
    member = member_set_photo(member=member, upload=image_upload(size=(64, 64)))
    invoice = issue(member=member, total="500.00")
    payment = payment_record(invoice=invoice, amount="500.00")
    booking = booking_create(session=session, member=member, by=member.user)
    workout_program_save(
        member=member, by=trainer, title=plan_title, days=[{"name": "Day 1", "exercises": [{"name": "Squat"}]}]
    )
    ticket = ticket_open(
        member=member, subject=f"Locker of {key}", category="OTHER", body="It sticks.", by=member.user,
        attachment=image_upload(size=(32, 32), name="locker.png"),
    )  # fmt: skip
    world.objects.update(
        {
            f"member_{key}": member,
            f"invoice_{key}": invoice,
            f"payment_{key}": payment,
            f"booking_{key}": booking,
            f"ticket_{key}": ticket,
            f"reply_{key}": ticket.replies.exclude(attachment="").get(),
        }
    )


def build_world() -> World:
    trainer_t, trainer_u = make_trainer("Tahmid"), make_trainer("Urmi")
    plan = make_plan()
    class_type = make_class_type(title="Strength", plans=(plan,))
    room = make_room()
    start = timezone.now() + datetime.timedelta(days=2)
    session_t = one_off(class_type=class_type, instructor=trainer_t, room=room, starts_at=start)
    session_u = one_off(
        class_type=class_type, instructor=trainer_u, room=room, starts_at=start + datetime.timedelta(hours=3)
    )
    member_a, member_b = make_member(plan=plan, first_name="Anika"), make_member(plan=plan, first_name="Bashir")
    member_update(member=member_a, assigned_trainer=trainer_t)
    member_update(member=member_b, assigned_trainer=trainer_u)
    bare_staff = SupportFactory(first_name="Nobody")
    bare_staff.groups.clear()
    world = World(
        users={
            "anon": None, "member_a": member_a.user, "member_b": member_b.user, "trainer_t": trainer_t,
            "trainer_u": trainer_u, "support": SupportFactory(first_name="Sumi"),
            "admin": AdminFactory(first_name="Ayesha"), "bare_staff": bare_staff,
        }
    )  # fmt: skip
    world.objects.update({"session_t": session_t, "session_u": session_u, "plan": plan})
    _member_things(world, "a", member_a, trainer_t, session_t, "Anika's strength plan")
    _member_things(world, "b", member_b, trainer_u, session_u, "Bashir's strength plan")
    for key, trainer in (("t", trainer_t), ("u", trainer_u)):
        profile = trainer_profile_ensure(user=trainer)
        profile.hourly_rate = "987.65" if key == "t" else "876.54"
        profile.save(update_fields=["hourly_rate"])
        world.objects[f"trainer_profile_{key}"] = profile
        world.objects[f"cert_{key}"] = certification_add(
            trainer=profile, title="First aid", issuer="Red Crescent", expires_on=None,
            upload=image_upload(size=(40, 40), name="cert.png"), by=trainer,
        )  # fmt: skip
    o = world.objects
    world.args = {
        "code_a": o["member_a"].code,
        "invoice_a": o["invoice_a"].number,
        "receipt_a": o["payment_a"].receipt_number,
        "session_t": o["session_t"].pk,
        "booking_a": o["booking_a"].pk,
        "ticket_a": o["ticket_a"].pk,
        "reply_a": o["reply_a"].pk,
        "cert_t": o["cert_t"].pk,
        "pack": make_pack().pk,
    }
    return world


def world_fixture():
    """A module-scoped ``world`` fixture (assign it to a module-level name)."""

    @pytest.fixture(scope="module")
    def world(django_db_setup, django_db_blocker):
        media = tempfile.TemporaryDirectory(prefix="gymos-access-")
        storage = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media.name, "base_url": None},
        }
        overrides = override_settings(
            MEDIA_ROOT=media.name, STORAGES={**settings.STORAGES, "default": storage}, BKASH_BASE_URL=BKASH_DOWN
        )
        with overrides, django_db_blocker.unblock(), transaction.atomic():
            built = build_world()
            built.media_root = media.name
            yield built
            transaction.set_rollback(True)
        media.cleanup()

    return world
