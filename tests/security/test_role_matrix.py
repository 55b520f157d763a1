"""Who gets what on every route outside the admin: one row per route (and
method), one expected answer per person. The URL inventory
(test_url_inventory.py) fails when a route is missing from ROUTES, so a new
page cannot ship without deciding who may open it.

The URL arguments are always member A's and trainer T's objects, so the
columns read as object-level rules: member B asking for A's invoice gets
404 (not 403: another member's numbers cannot be probed), trainer U asking
for T's class or T's client gets 404, a person of the wrong role gets 403.

Answers: "L" = 302 to the login page, "R" = 302 elsewhere (the page's own
redirect, i.e. the request was let through), or the status code.
"""

import json
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tests.security.world import ROLES, world_fixture

pytestmark = pytest.mark.django_db
world = world_fixture()


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    args: tuple[str, ...]
    expect: str  # anon, member A, member B, trainer T, trainer U, support, admin
    data: object = field(default=None)  # a dict, or a function of the world giving one

    def answers(self) -> dict[str, str]:
        codes = self.expect.split()
        assert len(codes) == len(ROLES), f"{self.name}: {len(codes)} answers for {len(ROLES)} people"
        return dict(zip(ROLES, codes, strict=True))


def _reschedule(w):
    later = timezone.localtime(w.objects["session_t"].starts_at) + timezone.timedelta(days=1)
    return {"starts_at": later.strftime("%Y-%m-%dT%H:%M"), "reason": "Room repairs"}


def _mark(w):
    return {"booking": w.objects["booking_a"].pk, "status": "ATTENDED"}


WORKOUT = {"title": "New plan", "notes": "", "day_count": "1", "day0-name": "Day 1",
           "day0-ex-TOTAL_FORMS": "0", "day0-ex-INITIAL_FORMS": "0"}  # fmt: skip
DIET = {"title": "Diet", "notes": "", "meal-TOTAL_FORMS": "0", "meal-INITIAL_FORMS": "0"}
TICKET = {"subject": "Shower", "category": "FACILITIES", "body": "Cold water."}
# Outside services: a forged signature or an unknown device is refused, whoever is logged in.
SIGNED = "403 403 403 403 403 403 403"
UNSIGNED = "401 401 401 401 401 401 401"  # WhatsApp: no X-Hub-Signature-256 at all
FORGED_SNS = json.dumps(
    {"Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:aws:sns:ap-southeast-1:1:bkash", "Message": "{}",
     "Timestamp": "2026-01-01T00:00:00Z", "SignatureVersion": "1", "Signature": "Zm9yZ2Vk",
     "SigningCertURL": "https://sns.evil.example/forged.pem"}
)  # fmt: skip
OPEN = "200 200 200 200 200 200 200"
MEMBER_PAGE = "L 200 200 403 403 403 403"
MEMBER_POST = "L R R 403 403 403 403"
A_ONLY = "L 200 404 403 403 403 403"  # member A's own object
A_ONLY_POST = "L R 404 403 403 403 403"
TRAINER_PAGE = "L 403 403 200 200 403 403"
T_ONLY = "L 403 403 200 404 403 403"  # trainer T's class or client
T_ONLY_POST = "L 403 403 R 404 403 403"

# Route(name, method, URL arguments, "anon  member A  member B  trainer T  trainer U  support  admin")
ROUTES = [
    Route("landing", "GET", (), OPEN),
    Route("apply", "GET", (), OPEN),
    Route("apply_thanks", "GET", (), OPEN),
    Route("healthz", "GET", (), OPEN),
    Route("bkash_callback", "GET", (), "404 404 404 404 404 404 404"),
    Route("bkash_webhook", "POST", (), SIGNED, data=FORGED_SNS),
    Route("whatsapp_webhook", "GET", (), SIGNED),
    Route("whatsapp_webhook", "POST", (), UNSIGNED, data='{"entry": []}'),
    Route("iclock:cdata", "GET", (), SIGNED),
    Route("iclock:getrequest", "GET", (), SIGNED),
    Route("iclock:devicecmd", "POST", (), SIGNED),
    Route("portal:home", "GET", (), "L R R R R R R"),
    Route("portal:member_home", "GET", (), MEMBER_PAGE),
    Route("portal:programs", "GET", (), MEMBER_PAGE),
    Route("portal:member_photo", "GET", ("code_a",), "L 200 404 200 404 200 200"),
    Route("portal:invoices", "GET", (), MEMBER_PAGE),
    Route("portal:invoice_detail", "GET", ("invoice_a",), A_ONLY),
    Route("portal:invoice_pdf", "GET", ("invoice_a",), A_ONLY),
    Route("portal:invoice_pay", "POST", ("invoice_a",), A_ONLY_POST),
    Route("portal:receipt_pdf", "GET", ("receipt_a",), A_ONLY),
    Route("portal:renew", "POST", (), MEMBER_POST),
    Route("portal:class_packs", "GET", (), MEMBER_PAGE),
    Route("portal:class_pack_buy", "POST", ("pack",), MEMBER_POST),
    Route("portal:classes", "GET", (), MEMBER_PAGE),
    Route("portal:class_session", "GET", ("session_t",), MEMBER_PAGE),
    Route("portal:class_book", "POST", ("session_t",), MEMBER_POST),
    Route("portal:bookings", "GET", (), MEMBER_PAGE),
    Route("portal:booking_cancel", "POST", ("booking_a",), A_ONLY_POST),
    Route("portal:support", "GET", (), MEMBER_PAGE),
    Route("portal:support_new", "GET", (), MEMBER_PAGE),
    Route("portal:support_new", "POST", (), MEMBER_POST, data=TICKET),
    Route("portal:support_ticket", "GET", ("ticket_a",), A_ONLY),
    Route("portal:support_reply", "POST", ("ticket_a",), A_ONLY_POST, data={"body": "Any news?"}),
    Route("portal:support_close", "POST", ("ticket_a",), A_ONLY_POST),
    Route("portal:support_attachment", "GET", ("reply_a",), "L 200 404 403 403 200 200"),
    Route("portal:trainer_home", "GET", (), TRAINER_PAGE),
    Route("portal:trainer_session", "GET", ("session_t",), T_ONLY),
    Route("portal:trainer_session_reschedule", "POST", ("session_t",), T_ONLY_POST, data=_reschedule),
    Route("portal:trainer_session_cancel", "POST", ("session_t",), T_ONLY_POST, data={"reason": "Ill"}),
    Route("portal:trainer_session_mark", "POST", ("session_t",), T_ONLY_POST, data=_mark),
    Route("portal:trainer_profile", "GET", (), TRAINER_PAGE),
    Route("portal:trainer_profile", "POST", (), "L 403 403 R R 403 403", data={"bio": "Coach", "specialties": ""}),
    Route("portal:trainer_certification_add", "POST", (), "L 403 403 400 400 403 403", data={"title": ""}),
    Route("portal:trainer_certification_file", "GET", ("cert_t",), "L 403 403 200 404 200 200"),
    Route("portal:trainer_leave", "GET", (), TRAINER_PAGE),
    Route("portal:trainer_clients", "GET", (), TRAINER_PAGE),
    Route("portal:trainer_client", "GET", ("code_a",), T_ONLY),
    Route("portal:trainer_client_workout", "GET", ("code_a",), T_ONLY),
    Route("portal:trainer_client_workout", "POST", ("code_a",), T_ONLY_POST, data=WORKOUT),
    Route("portal:trainer_client_diet", "GET", ("code_a",), T_ONLY),
    Route("portal:trainer_client_diet", "POST", ("code_a",), T_ONLY_POST, data=DIET),
]


def url_of(route: Route, w) -> str:
    return reverse(route.name, args=[w.args[key] for key in route.args])


def answer(response) -> str:
    if response.status_code == 302:
        return "L" if response.url.startswith(reverse("account_login")) else "R"
    return str(response.status_code)


def _ask(w, route: Route, role: str) -> str:
    url, data = url_of(route, w), route.data(w) if callable(route.data) else route.data
    with transaction.atomic():  # each person finds the world as it was: undo what their request changed
        if route.method == "GET":
            response = w.client(role).get(url)
        else:
            kind = "application/json" if isinstance(data, str) else None  # a JSON body, else a form
            response = w.client(role).post(url, data or {}, **({"content_type": kind} if kind else {}))
        transaction.set_rollback(True)
    return answer(response)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.name}")
def test_each_person_gets_exactly_their_answer(world, route):
    # when
    got = {role: _ask(world, route, role) for role in ROLES}
    # then: the whole row at once, so a failure shows every person's answer
    assert got == route.answers(), f"{route.method} {url_of(route, world)}"


def test_the_table_has_one_row_per_route_and_method():
    keys = [(route.name, route.method) for route in ROUTES]
    assert len(keys) == len(set(keys))
    assert all(route.answers() for route in ROUTES)
