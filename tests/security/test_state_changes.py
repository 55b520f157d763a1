"""State changes only by POST with a CSRF token (the reference system deleted
records over GET links).

No GET changes state: this walks the URL resolver, fills every route's
arguments from the demo gym (topped up so every model with an admin page has a
row), requests each with GET (admin pages and public ones as the admin, portal
pages as the member or trainer who owns the object) and asserts, per request,
that PostgreSQL counted no insert, update or delete in any table (its
per-transaction counters see even a write of unchanged values) and that nothing
was queued to run after commit; and at the end that every table's row count and
content checksum are what they were. Sessions are left out (the visitor's own
state, tests/security/state.py).

Every route also gets a POST without a CSRF token, from a logged-in client that
enforces CSRF like a browser: 403, and nothing written; the endpoints outside
callers use (webhooks, devices) instead refuse an unsigned request or an unknown
serial. A route that cannot be filled fails the test by name: none is skipped.

GETs allowed to write, each to its listed tables only (ALLOWED_GET_WRITES):
- /iclock/cdata and /iclock/getrequest: ZKTeco ADMS firmware (the client)
  handshakes and polls with GET; each records the registered device's last
  contact and health, and getrequest marks the commands it hands out as sent
  (the protocol's only way to deliver them). Unknown serials get 403 and change
  nothing (the CSRF test below, tests/devices/test_adms.py).
- invoice and receipt PDF downloads: see DOCUMENT.
- allauth's /accounts/email/: see its entry.
- /payments/bkash/callback/: bKash redirects the payer's browser here with GET.
  With a known paymentID it settles the checkout after asking bKash (idempotent,
  never trusting the URL); here it is requested with an unknown one, which must
  change nothing.
"""

import pytest
from django.conf import settings
from django.contrib import admin
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import reverse

from core.accounts.models import User
from fixtures.factories import AdminFactory
from tests.core.support.builders import make_lead
from tests.security.route_args import fill, first, routes
from tests.security.state import fingerprint, seed_world, tables, writes_so_far

pytestmark = pytest.mark.django_db

# Tables a route may write on GET, by route name, and why (see also the module docstring).
DOCUMENT = "renders the PDF on the first download when the worker has not yet, and stores it: a cache of a document "
DOCUMENT += "derived wholly from the record (only its file column is set); the next download writes nothing"
ALLOWED_GET_WRITES = {
    "iclock:cdata": ({"devices_device"}, "ADMS handshake: the device's last contact and health"),
    "iclock:getrequest": ({"devices_device", "devices_devicecommand"}, "ADMS poll: commands handed out are SENT"),
    "admin:billing_invoice_download_pdf": ({"billing_invoice"}, DOCUMENT),
    "portal:invoice_pdf": ({"billing_invoice"}, DOCUMENT),
    "admin:billing_payment_download_receipt": ({"billing_payment"}, DOCUMENT),
    "portal:receipt_pdf": ({"billing_payment"}, DOCUMENT),
    "account_email": (
        {"account_emailaddress"},
        "allauth mirrors the login (User.email) into its EmailAddress table on the first visit; no user data changes",
    ),
}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = str(tmp_path_factory.mktemp("media"))
    storage = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}}
    files = override_settings(MEDIA_ROOT=media, STORAGES={**settings.STORAGES, "default": storage})
    with files, django_db_blocker.unblock(), transaction.atomic():
        yield seed_world()
        transaction.set_rollback(True)


def test_every_admin_model_has_a_row_to_open(world):
    # given / when: the world the GET sweep runs in
    empty = [model._meta.label for model in admin.site._registry if not model._default_manager.exists()]
    # then: change, history and delete pages are opened on a real object
    assert empty == []


def requests_and_clients(world, **client_options) -> tuple[list[tuple[str, User, str]], dict[int, Client]]:
    """(label, who, URL) for every route, and a logged-in client per person."""
    users = {"admin": AdminFactory(first_name="Sweep"), "trainer": first(User.objects.filter(role="TRAINER"))}
    requests, unfilled = [], []
    for route, name in routes():
        try:
            requests.append((name or route, *fill(route, name, world, users)))
        except AssertionError as exc:
            unfilled.append(f"{name or route}: {exc}")
    assert unfilled == [], "routes the sweep cannot fill (give them arguments)"
    assert len(requests) > 300  # every admin page of every model, the portal, allauth, webhooks, devices
    clients: dict[int, Client] = {}
    for _label, user, _url in requests:
        if user.pk not in clients:
            clients[user.pk] = Client(**client_options)
            clients[user.pk].force_login(user)
    return requests, clients


def wrote_since(writes: dict) -> set[str]:
    return {t for t, counts in writes_so_far().items() if counts != writes.get(t, (0, 0, 0))} - {"django_session"}


def test_no_get_request_changes_the_database(world, settings):
    # given: an admin, a trainer and the owners of the portal objects, logged in before the snapshot
    settings.BKASH_BASE_URL = "http://127.0.0.1:9/v1.2.0-beta"  # a closed port: never a real call
    requests, clients = requests_and_clients(world)
    names = tables()
    before = fingerprint(names)
    # when: each route is requested with GET
    changed, queued, errors, shown = [], [], [], 0
    for label, user, url in requests:
        writes, pending = writes_so_far(), len(connection.run_on_commit)
        status = clients[user.pk].get(url).status_code
        shown += status == 200
        wrote = wrote_since(writes) - ALLOWED_GET_WRITES.get(label, (set(), ""))[0]
        if wrote:
            changed.append(f"GET {url} ({label}) wrote {sorted(wrote)}")
        if len(connection.run_on_commit) != pending:
            queued.append(f"GET {url} ({label}) queued work to run after commit")
        if status >= 500:
            errors.append(f"GET {url} ({label}) answered {status}")
    # then: the pages really opened (not a sweep of redirects to the login page), and wrote nothing
    assert shown > 250, f"only {shown} GETs answered 200"
    assert changed == [], "\n".join(changed)
    assert queued == [], "\n".join(queued)
    assert errors == [], "\n".join(errors)
    after = fingerprint(names)
    allowed = set().union(*(tables_ for tables_, _why in ALLOWED_GET_WRITES.values()))
    assert {t: after[t] for t in names if t not in allowed} == {t: before[t] for t in names if t not in allowed}


# No CSRF token is possible from these callers: the signature or the registered serial is the check.
SIGNED = {
    "bkash_webhook": "the SNS message signature",
    "whatsapp_webhook": "X-Hub-Signature-256, an HMAC of the body with the app secret",
    "iclock:cdata": "a registered, active push device's serial number",
    "iclock:getrequest": "a registered, active push device's serial number",
    "iclock:devicecmd": "a registered, active push device's serial number",
}


def test_every_post_without_a_csrf_token_is_refused_and_signed_endpoints_refuse_strangers(world):
    # given: the same people, with clients that enforce CSRF like a browser
    requests, clients = requests_and_clients(world, enforce_csrf_checks=True)
    # when: each route gets a POST without a token (signed endpoints: unsigned, from an unknown serial)
    wrong = []
    for label, user, url in requests:
        if label in SIGNED:
            url = url.split("?")[0] + "?SN=NOT-REGISTERED"
        writes = writes_so_far()
        data = {"note": "sneaky"}
        if label in SIGNED:  # well-formed, so that the missing signature or the unknown serial is what refuses it
            response = clients[user.pk].post(url, data, content_type="application/json")
        else:
            response = clients[user.pk].post(url, data)
        csrf_refused = response.status_code == 403 and b"CSRF" in response.content
        refused = csrf_refused if label not in SIGNED else response.status_code in (401, 403, 405) and not csrf_refused
        if not refused or wrote_since(writes):
            wrong.append(f"POST {url} ({label}): {response.status_code}, wrote {sorted(wrote_since(writes))}")
    # then
    assert wrong == [], "\n".join(wrong)


def test_assign_to_me_on_a_lead_asks_first_and_assigns_on_post(client, admin_user):
    # given: a lead nobody has taken (its page's "Assign to me" is a link, i.e. a GET)
    lead = make_lead()
    client.force_login(admin_user)
    url = reverse("admin:leads_lead_assign_me_one", args=[lead.pk])
    # when
    page = client.get(url)
    # then: a confirmation page, and the lead is still nobody's
    assert page.status_code == 200
    lead.refresh_from_db()
    assert lead.assignee is None
    # when: confirmed
    response = client.post(url, {"_apply": "1"})
    # then
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.assignee == admin_user
