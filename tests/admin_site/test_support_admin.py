"""The support queue in the admin: list and filters (fixed queries), the
ticket page with the thread, replying (the member is emailed once per
reply), assigning, changing status, and refusing a non-image."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.notifications.models import Message
from core.support.models import Ticket, TicketReply
from fixtures.factories import MemberFactory, MemberUserFactory
from tests.core.support.builders import (
    NOT_AN_IMAGE,
    image_upload,
    open_ticket,
    private_media,  # noqa: F401
    sidebar_link,
    stored_files,
    text_as_png,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/support/ticket/"


def change_url(ticket: Ticket) -> str:
    return f"/admin/support/ticket/{ticket.pk}/change/"


@pytest.fixture
def member():
    return MemberFactory(user=MemberUserFactory(first_name="Mia", email="mia@example.com"))


def form(ticket: Ticket, **overrides) -> dict:
    data = {"status": ticket.status, "assignee": ticket.assignee_id or "", "reply": ""}
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ["admin_user", "support_user"])
def test_the_queue_and_the_ticket_page_render(client, request, member, role, private_media):  # noqa: F811
    # given a ticket with an image and a script in its text
    ticket = open_ticket(member, subject="<script>x</script> locker", attachment=image_upload())
    client.force_login(request.getfixturevalue(role))

    # when
    listing = client.get(LIST_URL)
    page = client.get(change_url(ticket))

    # then
    assert listing.status_code == 200 and page.status_code == 200
    for body in (listing.content.decode(), page.content.decode()):
        assert "&lt;script&gt;x&lt;/script&gt; locker" in body
        assert "<script>x</script>" not in body
    reply = ticket.replies.get()
    assert f'src="/portal/support/images/{reply.pk}/"' in page.content.decode()
    assert 'name="reply"' in page.content.decode()


def test_the_queue_filters_work(client, member, support_user):
    # given an open and a closed ticket
    open_one = open_ticket(member, subject="Still open")
    closed = open_ticket(member, subject="Done already")
    Ticket.objects.filter(pk=closed.pk).update(status=Ticket.Status.CLOSED, closed_at=closed.created_at)
    client.force_login(support_user)

    # when / then
    for query in ("status__exact=OPEN", "category__exact=BILLING", "assignee=me", "assignee=none", "age=1", "age=3",
                  "age=7", "q=Still"):  # fmt: skip
        assert client.get(f"{LIST_URL}?{query}").status_code == 200, query
    body = client.get(f"{LIST_URL}?status__exact=OPEN").content.decode()
    assert open_one.subject in body and closed.subject not in body


def test_the_queue_runs_a_fixed_number_of_queries(client, support_user):
    client.force_login(support_user)
    open_ticket(subject="first")
    client.get(LIST_URL)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST_URL)
    for n in range(6):
        open_ticket(subject=f"more {n}")
    with CaptureQueriesContext(connection) as many:
        client.get(LIST_URL)
    assert len(many) == len(few)


def test_a_staff_reply_emails_the_member_once(
    client, member, support_user, django_capture_on_commit_callbacks, mailoutbox
):
    # given
    ticket = open_ticket(member)
    client.force_login(support_user)

    # when staff reply and assign themselves on the ticket page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            change_url(ticket), form(ticket, reply="A plumber comes at 3 pm.", assignee=support_user.pk)
        )

    # then
    assert response.status_code == 302, response.content.decode()[:3000]
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == (Ticket.Status.WAITING, support_user)
    staff_reply = ticket.replies.get(by_staff=True)
    assert (staff_reply.author, staff_reply.body) == (support_user, "A plumber comes at 3 pm.")
    assert Message.objects.filter(template="ticket_reply", recipient="mia@example.com").count() == 1
    assert [m.to for m in mailoutbox] == [["mia@example.com"]]
    assert "A plumber comes at 3 pm." in mailoutbox[0].body


def test_reply_and_close_in_one_go(client, member, support_user):
    ticket = open_ticket(member)
    client.force_login(support_user)
    client.post(change_url(ticket), form(ticket, reply="Sorted.", status="CLOSED"))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED and ticket.closed_at is not None
    assert ticket.replies.count() == 2


def test_a_reply_with_a_file_that_is_not_an_image_is_refused(client, member, support_user, private_media):  # noqa: F811
    # given
    ticket = open_ticket(member)
    client.force_login(support_user)

    # when
    response = client.post(change_url(ticket), form(ticket, reply="See the bill", reply_image=text_as_png()))

    # then the page comes back with the message beside the image, nothing saved or sent
    assert response.status_code == 200
    assert NOT_AN_IMAGE in response.content.decode()
    assert TicketReply.objects.filter(ticket=ticket).count() == 1
    assert Message.objects.count() == 0
    assert stored_files(private_media) == []
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN


def test_bulk_assign_close_and_reopen(client, member, support_user):
    first, second = open_ticket(member), open_ticket(member)
    client.force_login(support_user)
    ids = [first.pk, second.pk]
    client.post(LIST_URL, {"action": "assign_to_me", "_selected_action": ids})
    client.post(LIST_URL, {"action": "close_tickets", "_selected_action": ids})
    assert set(Ticket.objects.values_list("status", "assignee")) == {("CLOSED", support_user.pk)}
    client.post(LIST_URL, {"action": "reopen_tickets", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert (first.status, first.closed_at) == (Ticket.Status.OPEN, None)


def test_tickets_cannot_be_added_in_the_admin(client, support_user):
    client.force_login(support_user)
    assert client.get("/admin/support/ticket/add/").status_code == 403


def test_the_sidebar_counts_tickets_waiting_for_staff(client, member, support_user):
    # given one ticket waiting for staff and one answered
    open_ticket(member)
    answered = open_ticket(member)
    client.force_login(support_user)
    client.post(change_url(answered), form(answered, reply="Done."))

    # when
    body = client.get("/admin/").content.decode()

    # then
    assert sidebar_link(body, LIST_URL) == "support_agent Support tickets 1"
