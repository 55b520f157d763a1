"""Password reset by email link (allauth)."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from core.accounts.models import User
from core.notifications.models import Message
from fixtures.factories import DEFAULT_PASSWORD
from tests.support.mail import html_part, links_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Treadmill-Harbour-77"
USED_LINK = "The password reset link was invalid, possibly because it has already been used."


@pytest.fixture
def reset_link(client, mailoutbox, django_capture_on_commit_callbacks):
    """reset_link(email) -> the link path from the reset email, as the person would follow it."""

    def _reset_link(email: str) -> str:
        sent_before = len(mailoutbox)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/accounts/password/reset/", {"email": email})
        assert response.status_code == 302
        assert len(mailoutbox) == sent_before + 1
        links = [link for link in links_in(mailoutbox[-1].body) if "/accounts/password/reset/key/" in link]
        assert len(links) == 1, mailoutbox[-1].body
        return urlsplit(links[0]).path

    return _reset_link


def set_new_password(client, link: str, password: str, password2: str | None = None):
    """Follow the link (it moves the key into the session) and post the new password."""
    form_page = client.get(link)
    assert form_page.status_code == 302, "the link was refused"
    return client.post(form_page.url, {"password1": password, "password2": password2 or password})


def test_reset_by_email_link_then_login_with_the_new_password(reset_link, client, member_user, mailoutbox):
    # given
    link = reset_link(member_user.email.upper())
    assert mailoutbox[-1].to == [member_user.email]
    # when
    response = set_new_password(client, link, NEW_PASSWORD)
    # then
    assert response.status_code == 302
    assert response.url == "/accounts/password/reset/key/done/"
    member_user.refresh_from_db()
    assert member_user.check_password(NEW_PASSWORD)
    assert (
        client.post("/accounts/login/", {"login": member_user.email, "password": DEFAULT_PASSWORD}).status_code == 200
    )
    login = client.post("/accounts/login/", {"login": member_user.email, "password": NEW_PASSWORD})
    assert login.status_code == 302
    assert client.get("/portal/", follow=True).redirect_chain[-1][0] == "/portal/member/"


def test_a_used_reset_link_is_refused_with_a_clear_message(reset_link, client, member_user, mailoutbox):
    # given
    link = reset_link(member_user.email)
    set_new_password(client, link, NEW_PASSWORD)
    # when
    page = client.get(link)
    # then
    assert page.status_code == 200
    assert USED_LINK in page.content.decode()
    member_user.refresh_from_db()
    assert member_user.check_password(NEW_PASSWORD)


def test_a_used_reset_link_cannot_set_another_password(reset_link, client, member_user, mailoutbox):
    # given
    link = reset_link(member_user.email)
    set_new_password(client, link, NEW_PASSWORD)
    # when: a second browser replays the whole exchange
    other = client.__class__()
    other.get(link)
    replay = other.post(
        link.rsplit("/", 2)[0] + "/set-password/", {"password1": "Another-1-pass", "password2": "Another-1-pass"}
    )
    # then
    assert replay.status_code == 200
    assert USED_LINK in replay.content.decode()
    member_user.refresh_from_db()
    assert member_user.check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    ("weak", "reason"),
    [
        ("12345678", "This password is too short. It must contain at least 10 characters."),
        ("1234567890", "This password is entirely numeric."),
        ("password", "This password is too common."),
        ("password123", "This password is too common."),
    ],
)
def test_weak_new_password_is_refused_and_nothing_changes(reset_link, client, member_user, mailoutbox, weak, reason):
    # given
    link = reset_link(member_user.email)
    # when
    response = set_new_password(client, link, weak)
    # then
    assert response.status_code == 200
    assert reason in response.content.decode()
    member_user.refresh_from_db()
    assert member_user.check_password(DEFAULT_PASSWORD)
    # and the link still works for a good password
    assert set_new_password(client, link, NEW_PASSWORD).status_code == 302


def test_password_similar_to_the_email_is_refused(reset_link, client, mailoutbox, db):
    # given
    user = User.objects.create_user("kettlebellqueen@example.com", "Old-password-2026", first_name="Q")
    link = reset_link(user.email)
    # when
    response = set_new_password(client, link, "kettlebellqueen")
    # then
    assert "The password is too similar to the email address." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("Old-password-2026")


def test_mismatched_passwords_are_refused(reset_link, client, member_user, mailoutbox):
    link = reset_link(member_user.email)
    response = set_new_password(client, link, NEW_PASSWORD, password2=NEW_PASSWORD + "x")
    assert response.status_code == 200
    assert "You must type the same password each time." in response.content.decode()
    member_user.refresh_from_db()
    assert member_user.check_password(DEFAULT_PASSWORD)


def test_reset_after_an_expired_temporary_password_ends_the_forced_change(reset_link, client, provision, mailoutbox):
    # given: a provisioned person who never used their temporary password
    user, _ = provision(email="nadia@example.com")
    User.objects.filter(pk=user.pk).update(temp_password_expires_at=timezone.now() - timedelta(hours=1))
    # when
    link = reset_link("nadia@example.com")
    set_new_password(client, link, NEW_PASSWORD)
    login = client.post("/accounts/login/", {"login": "nadia@example.com", "password": NEW_PASSWORD})
    # then: they chose their own password, so no forced change follows
    assert login.status_code == 302
    user.refresh_from_db()
    assert user.must_change_password is False
    assert user.temp_password_expires_at is None
    assert client.get("/portal/member/").status_code == 200


def test_unknown_email_gets_the_same_answer_and_no_reset_link(
    client, db, mailoutbox, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    # then: the page does not reveal whether the account exists; the address is told, without a link
    assert response.status_code == 302
    assert response.url == "/accounts/password/reset/done/"
    assert [m.to for m in mailoutbox] == [["nobody@example.com"]]
    assert "we have no account with this address" in mailoutbox[0].body
    assert "/accounts/password/reset/key/" not in mailoutbox[0].body
    assert "/accounts/signup/" not in mailoutbox[0].body + html_part(mailoutbox[0])
    assert Message.objects.get().template == "unknown_account"


def test_reset_email_goes_through_the_outbox_without_storing_the_link(reset_link, member_user, mailoutbox):
    # when
    link = reset_link(member_user.email)
    # then: one outbox row, sent, holding neither the link nor its key
    message = Message.objects.get()
    assert (message.template, message.recipient, message.status) == (
        "password_reset",
        member_user.email,
        Message.Status.SENT,
    )
    key = link.rstrip("/").rsplit("/", 1)[-1]
    assert key not in str(message.context)
    assert key not in message.subject
    # and the email has a text and an HTML part, both with the link
    assert link in mailoutbox[-1].body
    assert link in html_part(mailoutbox[-1])


def test_deactivated_account_gets_no_reset_link(client, member_user, mailoutbox, django_capture_on_commit_callbacks):
    # given
    User.objects.filter(pk=member_user.pk).update(is_active=False)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": member_user.email})
    # then
    assert all("/accounts/password/reset/key/" not in m.body for m in mailoutbox)
