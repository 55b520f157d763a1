"""The demo inbox and tickets: every lead status and ticket state, created
through the services, and nothing added by a second run."""

import pytest

from core.common.actors import system_actor
from core.leads.models import Lead
from core.notifications.models import Message
from core.support.models import Ticket
from fixtures.demo import seed_demo
from fixtures.demo_leads import DEMO_LEADS, DEMO_TICKETS, seed_leads_and_tickets

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int]:
    return Lead.objects.count(), Ticket.objects.count(), Message.objects.count(), Lead.history.count()


def test_seeding_twice_gives_the_same_inbox_and_queue():
    # given the demo gym
    with system_actor():
        seed_demo()

        # when the leads and tickets are seeded twice
        seed_leads_and_tickets()
        first = counts()
        seed_leads_and_tickets()

    # then the second run changed nothing
    assert counts() == first
    assert Lead.objects.count() == len(DEMO_LEADS)
    assert Ticket.objects.count() == len(DEMO_TICKETS)
    assert set(Lead.objects.values_list("status", flat=True)) == set(Lead.Status.values)
    assert set(Ticket.objects.values_list("status", flat=True)) == set(Ticket.Status.values)
    converted = Lead.objects.get(status=Lead.Status.CONVERTED)
    assert converted.member is not None and converted.member.user.email == converted.email


def test_seeding_without_the_demo_people_adds_leads_but_no_tickets():
    seed_leads_and_tickets()
    assert Lead.objects.count() == len(DEMO_LEADS)
    assert Ticket.objects.count() == 0
