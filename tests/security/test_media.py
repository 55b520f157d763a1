"""Private files (member photos, trainer certificates, invoice and receipt
PDFs, ticket images) are never served from a public path: no settings or URL
module serves MEDIA_URL, the running app answers 404 for every stored file's
raw path, and each file comes only from its access-checked view, to the
people allowed (the role matrix has every other person's answer).
Leads have no files (core.leads.models has no FileField).
"""

import re
import threading
import urllib.error
import urllib.request
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from django.apps import apps
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.db import connections, models
from django.urls import reverse

from tests.security.world import world_fixture

pytestmark = pytest.mark.django_db
world = world_fixture()
ROOT = Path(__file__).resolve().parents[2]
# Every model file field that holds private files, and the view that serves it.
PRIVATE_FILES = {
    "members.Member.photo": "portal:member_photo",
    "staff.Certification.file": "portal:trainer_certification_file",
    "support.TicketReply.attachment": "portal:support_attachment",
    "billing.Invoice.pdf": "portal:invoice_pdf (and the admin's invoice PDF action)",
    "billing.Payment.receipt_pdf": "portal:receipt_pdf (and the admin's receipt action)",
}


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def live_app():
    """The project's WSGI application (every middleware, WhiteNoise included) over real HTTP."""
    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=_Quiet)

    def serve():
        try:
            server.serve_forever()
        finally:
            # The requests ran in this thread: close its database connection, or the test
            # database cannot be dropped at the end ("being accessed by other users").
            connections.close_all()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback test server
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_every_file_field_is_a_known_private_file():
    fields = {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField) and model._meta.app_label != "simple_history"
    }
    fields = {name for name in fields if not name.split(".")[1].startswith("Historical")}
    assert fields == set(PRIVATE_FILES)


def test_no_settings_or_url_module_serves_media():
    sources = [*ROOT.joinpath("config").rglob("*.py"), *ROOT.glob("*/urls.py"), *ROOT.glob("*/*_urls.py")]
    offending = [
        str(path.relative_to(ROOT))
        for path in sources
        if re.search(r"static\(\s*settings\.MEDIA_URL|django\.views\.static|views\.static\.serve", path.read_text())
    ]
    assert offending == []
    assert settings.STORAGES["default"]["OPTIONS"].get("base_url") is None  # no public URL for a stored file


def _stored_files(world) -> list[str]:
    o = world.objects
    names = [o["member_a"].photo.name, o["cert_t"].file.name, o["reply_a"].attachment.name]
    assert all(Path(world.media_root, name).is_file() for name in names)
    return names


def test_the_running_app_answers_404_for_every_raw_storage_path(world, live_app):
    # given: files that really are in MEDIA_ROOT
    names = _stored_files(world)
    prefixes = {"/media/", "/", "/static/", settings.MEDIA_URL or "/media/"}
    # when / then
    for name in names:
        for prefix in prefixes:
            assert _status(f"{live_app}{prefix}{name}") == 404, f"{prefix}{name}"


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# file -> (its view and the world object's key, the file field, who may download it)
DOWNLOADS = {
    "photo": ("portal:member_photo", "member_a", "photo", ("member_a", "trainer_t", "support", "admin")),
    "certificate": ("portal:trainer_certification_file", "cert_t", "file", ("trainer_t", "support", "admin")),
    "ticket image": ("portal:support_attachment", "reply_a", "attachment", ("member_a", "support", "admin")),
}


@pytest.mark.parametrize(
    ("kind", "role"), [(kind, role) for kind, (*_rest, roles) in DOWNLOADS.items() for role in roles]
)
def test_a_private_file_comes_from_its_view_to_the_people_allowed(world, kind, role):
    # given
    view, key, field_name, _roles = DOWNLOADS[kind]
    obj = world.objects[key]
    url = reverse(view, args=[obj.code if key.startswith("member") else obj.pk])
    # when
    response = world.client(role).get(url)
    # then: the stored bytes, never cached by a shared cache
    assert response.status_code == 200
    assert _body(response) == Path(world.media_root, getattr(obj, field_name).name).read_bytes()
    assert "private" in response["Cache-Control"]


def test_invoice_and_receipt_pdfs_come_from_their_views_to_the_member(world):
    client = world.client("member_a")
    invoice = client.get(reverse("portal:invoice_pdf", args=[world.args["invoice_a"]]))
    receipt = client.get(reverse("portal:receipt_pdf", args=[world.args["receipt_a"]]))
    for response in (invoice, receipt):
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert _body(response).startswith(b"%PDF")
        assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("role", ["member_b", "trainer_t", "trainer_u", "anon"])
def test_the_admin_invoice_pdf_is_for_staff_only(world, role):
    url = reverse("admin:billing_invoice_download_pdf", args=[world.objects["invoice_a"].pk])
    response = world.client(role).get(url)
    assert response.status_code == 302 and not _body(response).startswith(b"%PDF")
