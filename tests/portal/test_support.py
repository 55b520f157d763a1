"""Support tickets in the portal: a member opens, reads, replies to and
closes their own tickets; anyone else's ticket or image is a 404, anonymous
people go to the login page and trainers get 403."""

import pytest

from core.support.models import Ticket, TicketReply
from core.support.services import ticket_reply
from fixtures.factories import MemberFactory, MemberUserFactory
from tests.core.support.builders import (
    NOT_AN_IMAGE,
    image_upload,
    open_ticket,
    private_media,  # noqa: F401
    stored_files,
    text_as_png,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_a():
    return MemberFactory(user=MemberUserFactory(first_name="Asha", email="asha@example.com"))


@pytest.fixture
def member_b():
    return MemberFactory(user=MemberUserFactory(first_name="Bilal"))


@pytest.fixture
def ticket_b(member_b, private_media):  # noqa: F811
    return open_ticket(member_b, subject="Bilal's locker", attachment=image_upload())


def as_user(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client


def pages(ticket: Ticket) -> dict[str, str]:
    reply = ticket.replies.exclude(attachment="").first()
    return {
        "list": "/portal/support/",
        "new": "/portal/support/new/",
        "detail": f"/portal/support/{ticket.pk}/",
        "image": f"/portal/support/images/{reply.pk}/",
    }


def test_a_member_opens_a_ticket_with_an_image_and_sees_it(client, member_a, private_media):  # noqa: F811
    # given
    as_user(client, member_a.user)

    # when
    response = client.post(
        "/portal/support/new/",
        {"subject": "Broken treadmill", "category": "FACILITIES", "body": "Number 3 stops after a minute.",
         "attachment": image_upload(name="treadmill.png")},
    )  # fmt: skip

    # then the ticket page shows the message and the image, served privately
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == f"/portal/support/{ticket.pk}/"
    page = client.get(response.url).content.decode()
    assert "Broken treadmill" in page and "Number 3 stops after a minute." in page
    image = client.get(pages(ticket)["image"])
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert image["X-Content-Type-Options"] == "nosniff"
    assert "private" in image["Cache-Control"]
    assert b"".join(image.streaming_content).startswith(b"\x89PNG")


def test_a_file_that_is_not_an_image_is_refused_with_a_clear_message(client, member_a, private_media):  # noqa: F811
    # given
    as_user(client, member_a.user)

    # when
    response = client.post(
        "/portal/support/new/",
        {"subject": "Bill", "category": "BILLING", "body": "See attached.", "attachment": text_as_png()},
    )

    # then the form comes back with the message and the typed text; nothing is stored
    body = response.content.decode()
    assert response.status_code == 200
    assert NOT_AN_IMAGE in body
    assert "See attached." in body
    assert Ticket.objects.count() == 0
    assert stored_files(private_media) == []


def test_a_member_sees_only_their_tickets_and_staff_replies(client, member_a, ticket_b, support_user):
    # given A's ticket with a staff reply, and B's ticket
    mine = open_ticket(member_a, subject="Asha's question")
    ticket_reply(ticket=mine, author=support_user, body="Here is the answer <b>bold</b>.")

    # when A looks at the list and the ticket
    as_user(client, member_a.user)
    listing = client.get("/portal/support/").content.decode()
    detail = client.get(f"/portal/support/{mine.pk}/").content.decode()

    # then
    assert "Asha&#x27;s question" in listing and "Bilal" not in listing
    assert "Here is the answer &lt;b&gt;bold&lt;/b&gt;." in detail
    assert "Answered" in detail


@pytest.mark.parametrize("page", ["detail", "image"])
def test_another_members_ticket_and_image_are_not_found(client, member_a, ticket_b, page):
    as_user(client, member_a.user)
    assert client.get(pages(ticket_b)[page]).status_code == 404


def test_another_member_cannot_reply_to_or_close_a_ticket(client, member_a, ticket_b):
    # when
    as_user(client, member_a.user)
    reply = client.post(f"/portal/support/{ticket_b.pk}/reply/", {"body": "I take over"})
    close = client.post(f"/portal/support/{ticket_b.pk}/close/")

    # then
    assert (reply.status_code, close.status_code) == (404, 404)
    ticket_b.refresh_from_db()
    assert ticket_b.status == Ticket.Status.OPEN
    assert ticket_b.replies.count() == 1


@pytest.mark.parametrize("page", ["list", "new", "detail", "image"])
def test_anonymous_people_are_sent_to_the_login_page(client, ticket_b, page):
    url = pages(ticket_b)[page]
    response = as_user(client, None).get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")


@pytest.mark.parametrize("page", ["list", "new", "detail", "image"])
def test_trainers_get_403(client, ticket_b, trainer_user, page):
    assert as_user(client, trainer_user).get(pages(ticket_b)[page]).status_code == 403


def test_staff_may_see_an_image_from_the_admin(client, ticket_b, support_user):
    assert as_user(client, support_user).get(pages(ticket_b)["image"]).status_code == 200


def test_a_member_replies_and_closes_their_ticket(client, member_a, support_user):
    # given a ticket answered by staff
    ticket = open_ticket(member_a)
    ticket_reply(ticket=ticket, author=support_user, body="Fixed?")
    as_user(client, member_a.user)

    # when the member replies, then closes it
    replied = client.post(f"/portal/support/{ticket.pk}/reply/", {"body": "Yes, thanks!"})
    ticket.refresh_from_db()
    status_after_reply = ticket.status
    closed = client.post(f"/portal/support/{ticket.pk}/close/")

    # then
    assert replied.status_code == 302 and closed.status_code == 302
    assert status_after_reply == Ticket.Status.OPEN
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED
    assert [r.body for r in ticket.replies.all()][-1] == "Yes, thanks!"
    assert "Ticket closed" in client.get(closed.url).content.decode()


def test_an_empty_reply_is_refused(client, member_a):
    ticket = open_ticket(member_a)
    as_user(client, member_a.user)
    response = client.post(f"/portal/support/{ticket.pk}/reply/", {"body": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert TicketReply.objects.filter(ticket=ticket).count() == 1


def test_a_member_user_without_a_profile_is_told_so(client, member_user):
    response = as_user(client, member_user).get("/portal/support/new/", follow=True)
    assert "no member profile" in response.content.decode()


def test_ticket_pages_refuse_the_wrong_method(client, member_a):
    ticket = open_ticket(member_a)
    as_user(client, member_a.user)
    assert client.get(f"/portal/support/{ticket.pk}/close/").status_code == 405
    assert client.post("/portal/support/").status_code == 405
