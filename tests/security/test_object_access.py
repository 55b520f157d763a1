"""Object-level access beyond the status codes of the role matrix: when
member B (or trainer U) aims a request at member A's (or trainer T's)
things, nothing changes and nothing of A's shows on B's own pages."""

import pytest
from django.urls import reverse

from core.billing.models import BkashCheckout
from core.classes.models import Booking, ClassSession
from core.programs.models import WorkoutProgram
from core.support.models import TicketReply
from tests.security.world import world_fixture

pytestmark = pytest.mark.django_db
world = world_fixture()


def test_member_b_cannot_cancel_a_booking_of_member_a(world):
    booking = world.objects["booking_a"]
    response = world.client("member_b").post(reverse("portal:booking_cancel", args=[booking.pk]))
    assert response.status_code == 404
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.BOOKED


def test_member_b_cannot_reply_to_or_close_a_ticket_of_member_a(world):
    ticket = world.objects["ticket_a"]
    client = world.client("member_b")
    assert client.post(reverse("portal:support_reply", args=[ticket.pk]), {"body": "Mine now"}).status_code == 404
    assert client.post(reverse("portal:support_close", args=[ticket.pk])).status_code == 404
    assert not TicketReply.objects.filter(ticket=ticket, body="Mine now").exists()
    assert ticket.__class__.objects.get(pk=ticket.pk).status == ticket.status


def test_member_b_cannot_pay_an_invoice_of_member_a(world):
    invoice = world.objects["invoice_a"]
    response = world.client("member_b").post(reverse("portal:invoice_pay", args=[invoice.number]))
    assert response.status_code == 404
    assert not BkashCheckout.objects.filter(invoice=invoice).exists()


def test_member_b_pages_show_nothing_of_member_a(world):
    a = world.objects["member_a"]
    client = world.client("member_b")
    pages = ["member_home", "programs", "invoices", "bookings", "support"]
    for name in pages:
        page = client.get(reverse(f"portal:{name}")).content.decode()
        for secret in (a.code, a.user.email, world.objects["invoice_a"].number, "Anika's strength plan",
                       world.objects["ticket_a"].subject):  # fmt: skip
            assert secret not in page.replace("&#x27;", "'"), f"{name} shows {secret}"
    # and B's own things are there, so the pages were not simply empty
    assert "Bashir's strength plan" in client.get(reverse("portal:programs")).content.decode().replace("&#x27;", "'")


def test_trainer_u_cannot_change_a_class_or_a_program_of_trainer_t(world):
    session, member = world.objects["session_t"], world.objects["member_a"]
    client = world.client("trainer_u")
    assert client.post(reverse("portal:trainer_session_cancel", args=[session.pk]), {"reason": "x"}).status_code == 404
    data = {"title": "Hijacked", "notes": "", "day_count": "1", "day0-name": "D",
            "day0-ex-TOTAL_FORMS": "0", "day0-ex-INITIAL_FORMS": "0"}  # fmt: skip
    assert client.post(reverse("portal:trainer_client_workout", args=[member.code]), data).status_code == 404
    assert ClassSession.objects.get(pk=session.pk).status == ClassSession.Status.SCHEDULED
    assert WorkoutProgram.objects.get(member=member).title == "Anika's strength plan"


def test_trainer_pages_list_only_their_own_clients_and_classes(world):
    page = world.client("trainer_u").get(reverse("portal:trainer_clients")).content.decode()
    assert world.objects["member_b"].code in page and world.objects["member_a"].code not in page
    home = world.client("trainer_u").get(reverse("portal:trainer_home")).content.decode()
    assert reverse("portal:trainer_session", args=[world.objects["session_t"].pk]) not in home
    assert reverse("portal:trainer_session", args=[world.objects["session_u"].pk]) in home
