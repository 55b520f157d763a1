"""Tickets: opening, the reply ping-pong between member and staff (each staff
reply emails the member once), closing and reopening, and who may do what."""

import pytest
from django.core.exceptions import ValidationError

from core.members.services import member_soft_delete
from core.notifications.models import Message
from core.support.models import Ticket, TicketReply
from core.support.selectors import open_tickets_count, tickets_of
from core.support.services import ticket_assign, ticket_close, ticket_reply, ticket_set_status
from fixtures.factories import MemberFactory, MemberUserFactory
from tests.core.support.builders import open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return MemberFactory(user=MemberUserFactory(first_name="Mia", email="mia@example.com"))


def test_a_member_opens_a_ticket_with_their_message_as_the_first_reply(member):
    # when
    ticket = open_ticket(member, subject="  Shower is cold ", body="No hot water since Monday.\n")

    # then
    assert (ticket.subject, ticket.status, ticket.closed_at) == ("Shower is cold", Ticket.Status.OPEN, None)
    replies = list(ticket.replies.all())
    assert [(r.author, r.by_staff, r.body) for r in replies] == [(member.user, False, "No hot water since Monday.")]
    assert Message.objects.count() == 0  # nobody is emailed about their own ticket


def test_each_staff_reply_emails_the_member_once(member, support_user, django_capture_on_commit_callbacks, mailoutbox):
    # given
    ticket = open_ticket(member)

    # when staff reply twice
    with django_capture_on_commit_callbacks(execute=True):
        first = ticket_reply(ticket=ticket, author=support_user, body="We sent a plumber.")
    with django_capture_on_commit_callbacks(execute=True):
        second = ticket_reply(ticket=ticket, author=support_user, body="Fixed <b>today</b>.")

    # then one outbox message per reply, each sent once, to the member
    keys = sorted(Message.objects.filter(template="ticket_reply").values_list("dedupe_key", flat=True))
    assert keys == sorted([f"ticket-reply:{first.pk}", f"ticket-reply:{second.pk}"])
    assert [m.to for m in mailoutbox] == [["mia@example.com"], ["mia@example.com"]]
    assert mailoutbox[1].subject == f"Re: Shower is cold [ticket #{ticket.pk}]"
    assert "Fixed <b>today</b>." in mailoutbox[1].body
    assert "Fixed &lt;b&gt;today&lt;/b&gt;." in mailoutbox[1].alternatives[0][0]
    # and the ticket waits for the member
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING
    assert ticket.last_reply_at == second.at


def test_a_member_reply_puts_the_ticket_back_in_the_queue_even_when_closed(member, support_user):
    # given a closed ticket
    ticket = open_ticket(member)
    ticket_reply(ticket=ticket, author=support_user, body="Done.")
    ticket_close(ticket=ticket, by=member.user)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED and ticket.closed_at is not None

    # when the member writes again
    ticket_reply(ticket=ticket, author=member.user, body="It is cold again.")

    # then it is open again, and no email went to the member about their own reply
    ticket.refresh_from_db()
    assert (ticket.status, ticket.closed_at) == (Ticket.Status.OPEN, None)
    assert Message.objects.filter(template="ticket_reply").count() == 1


def test_another_member_cannot_reply_or_close(member):
    # given a ticket of member A
    ticket = open_ticket(member)
    stranger = MemberFactory()

    # when / then member B is refused and nothing changes
    with pytest.raises(ValidationError, match="Only the member who opened this ticket or staff"):
        ticket_reply(ticket=ticket, author=stranger.user, body="hi")
    with pytest.raises(ValidationError, match="Members can only close their own tickets"):
        ticket_close(ticket=ticket, by=stranger.user)
    with pytest.raises(ValidationError, match="Members can only close their own tickets"):
        ticket_set_status(ticket=ticket, status=Ticket.Status.WAITING, by=member.user)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert TicketReply.objects.count() == 1


def test_staff_assign_and_change_status(member, support_user, trainer_user):
    ticket = open_ticket(member)
    ticket_assign(ticket=ticket, assignee=support_user, by=support_user)
    ticket_set_status(ticket=ticket, status=Ticket.Status.CLOSED, by=support_user)
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status) == (support_user, Ticket.Status.CLOSED)
    with pytest.raises(ValidationError):
        ticket_assign(ticket=ticket, assignee=trainer_user, by=support_user)
    with pytest.raises(ValidationError, match="Only staff assign tickets"):
        ticket_assign(ticket=ticket, assignee=support_user, by=member.user)


@pytest.mark.parametrize(
    ("subject", "body", "errors"),
    [
        ("", "hello", {"subject": ["This field cannot be blank."]}),
        ("Help", "   ", {"body": ["Write a message."]}),
        ("x" * 151, "y" * 5001, {"subject": None, "body": ["Keep the message under 5000 characters (it has 5001)."]}),
        ("Help", "hi", None),
    ],
    ids=["no-subject", "no-message", "too-long", "ok"],
)
def test_ticket_input_is_checked(member, subject, body, errors):
    if errors is None:
        assert open_ticket(member, subject=subject, body=body).pk
        return
    with pytest.raises(ValidationError) as exc:
        open_ticket(member, subject=subject, body=body)
    assert set(exc.value.message_dict) == set(errors)
    for field, expected in errors.items():
        if expected is not None:
            assert exc.value.message_dict[field] == expected
    assert Ticket.objects.count() == 0


def test_a_deleted_member_cannot_open_tickets(member):
    member_soft_delete(member=member)
    with pytest.raises(ValidationError, match="can no longer open tickets"):
        open_ticket(member)


def test_tickets_of_a_user_are_their_own_only(member, support_user):
    mine = open_ticket(member)
    open_ticket(MemberFactory())
    assert list(tickets_of(user=member.user)) == [mine]
    assert list(tickets_of(user=support_user)) == []


def test_open_tickets_count_leaves_out_closed_ones(member, support_user):
    # given one open, one waiting for the member, one closed
    open_ticket(member)
    waiting = open_ticket(member)
    ticket_reply(ticket=waiting, author=support_user, body="Could you send a photo?")
    closed = open_ticket(member)
    ticket_close(ticket=closed, by=member.user)

    # then
    assert open_tickets_count() == 2
