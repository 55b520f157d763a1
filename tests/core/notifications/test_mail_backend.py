"""The development email backend: one .eml file per message."""

import email
from email import policy

from django.core.mail import EmailMultiAlternatives, get_connection

from core.notifications.mail import EmlFileBackend


def test_each_message_becomes_one_eml_file(tmp_path):
    # given
    backend = get_connection("core.notifications.mail.EmlFileBackend", file_path=tmp_path / "mail")
    messages = []
    for n in range(3):
        message = EmailMultiAlternatives(f"Hello {n}", f"Text {n}", "gym@example.com", [f"p{n}@example.com"])
        message.attach_alternative(f"<p>HTML {n}</p>", "text/html")
        messages.append(message)
    # when
    sent = backend.send_messages(messages)
    # then
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert sent == 3
    assert len(files) == 3
    parsed = [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert sorted(m["Subject"] for m in parsed) == ["Hello 0", "Hello 1", "Hello 2"]
    first = next(m for m in parsed if m["Subject"] == "Hello 0")
    assert first["To"] == "p0@example.com"
    assert first.get_body(("plain",)).get_content().strip() == "Text 0"
    assert first.get_body(("html",)).get_content().strip() == "<p>HTML 0</p>"


def test_backend_uses_email_file_path_by_default(tmp_path, settings):
    # given
    settings.EMAIL_FILE_PATH = str(tmp_path / "outbox")
    # when
    EmlFileBackend().send_messages([EmailMultiAlternatives("Hi", "Body", "a@example.com", ["b@example.com"])])
    # then
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_nothing_to_send_writes_nothing(tmp_path):
    assert EmlFileBackend(file_path=tmp_path).send_messages([]) == 0
    assert list(tmp_path.iterdir()) == []
