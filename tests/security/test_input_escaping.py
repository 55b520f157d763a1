"""Script tags and SQL metacharacters in every free-text field of the portal's
forms and the main admin forms: stored verbatim, shown escaped on every page
that shows them, and a value over a field's length limit refused with the
form's own message (never a database error).

One row of FORMS per form: where it is, who fills it, which fields take free
text (form field -> model field), and the pages that show the result. The
rest of each form is posted as the browser would (tests/security/forms.py).
"""

import csv
import io
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.test import Client

from core.accounts.models import User
from core.members.models import Member
from core.members.services import member_update
from core.staff.services.accounts import trainer_profile_ensure
from core.support.services import ticket_open, ticket_reply
from tests.admin_site.test_member_import import HEADER, MEMBERS, confirm, upload
from tests.core.classes.builders import make_member, make_trainer
from tests.core.support.builders import make_lead
from tests.security.forms import form_fields, form_limits
from tests.support.mail import html_part

pytestmark = pytest.mark.django_db

LONG = '<script>alert(1)</script>\'; DROP TABLE members_member; --" onmouseover="x'
SHORT = '<script>x</script>\';--" onmouseover="x'
RAW = ("<script>alert(1)</script>", "<script>x</script>", 'onmouseover="x')


PORTAL_VIEWER = {"support": "member", "trainer": "trainer"}  # who opens a portal page to see the text


@dataclass(frozen=True)
class Form:
    name: str
    who: str  # anon, member, trainer, admin
    page: str  # where the form is, {member}/{ticket}/{lead}/{trainer} filled in
    fields: dict[str, str]  # form field -> "app.Model.field" it is stored in
    shown_on: tuple[str, ...]  # pages that show the stored text ("{obj}": the stored object's pk)
    post_to: str = ""  # when the form posts elsewhere than its page
    extra: dict = field(default_factory=dict)  # values the browser's user would type besides the free text

    def url(self, w, template: str, obj=None) -> str:
        return template.format(obj=getattr(obj, "pk", ""), **{k: getattr(v, "pk", "") for k, v in w.items()})


FORMS = [
    Form("apply", "anon", "/apply/", {"name": "leads.Lead.name", "goals": "leads.Lead.goals"},
         ("/admin/leads/lead/", "/admin/leads/lead/{obj}/change/"),
         extra={"email": "nadia@example.com", "phone": "01712345678", "consent": "on", "heard_from": "FRIEND"}),
    Form("ticket", "member", "/portal/support/new/", {"subject": "support.Ticket.subject"},
         ("/portal/support/", "/portal/support/{obj}/", "/admin/support/ticket/",
          "/admin/support/ticket/{obj}/change/"),
         extra={"category": "OTHER", "body": "It sticks."}),
    Form("ticket reply", "member", "/portal/support/{ticket}/", {"body": "support.TicketReply.body"},
         ("/portal/support/{ticket}/", "/admin/support/ticket/{ticket}/change/"),
         post_to="/portal/support/{ticket}/reply/"),
    Form("trainer profile", "trainer", "/portal/trainer/profile/",
         {"bio": "staff.Trainer.bio", "specialties": "staff.Trainer.specialties"},
         ("/portal/trainer/profile/", "/admin/staff/trainer/{obj}/change/")),
    Form("leave request", "trainer", "/portal/trainer/leave/", {"reason": "staff.LeaveRequest.reason"},
         ("/portal/trainer/leave/", "/admin/staff/leaverequest/{obj}/change/"),
         extra={"starts_at": "2030-01-01T08:00", "ends_at": "2030-01-02T20:00"}),
    Form("member (admin)", "admin", "/admin/members/member/add/",
         {"first_name": "accounts.User.first_name", "last_name": "accounts.User.last_name",
          "emergency_contact_name": "members.Member.emergency_contact_name",
          "emergency_contact_relation": "members.Member.emergency_contact_relation",
          "health_notes": "members.Member.health_notes"},
         ("/admin/members/member/", "/admin/members/member/{member_of_obj}/change/"),
         extra={"email": "xss@example.com", "phone": "01712345679", "emergency_contact_phone": "01812345678"}),
    Form("lead (admin)", "admin", "/admin/leads/lead/{lead}/change/",
         {"name": "leads.Lead.name", "goals": "leads.Lead.goals"},
         ("/admin/leads/lead/", "/admin/leads/lead/{obj}/change/")),
    Form("lead note (admin)", "admin", "/admin/leads/lead/{lead}/note/", {"text": "leads.LeadNote.text"},
         ("/admin/leads/lead/{lead}/change/",), extra={"_apply": "1"}),
    Form("product (admin)", "admin", "/admin/inventory/product/add/",
         {"name": "inventory.Product.name", "description": "inventory.Product.description"},
         ("/admin/inventory/product/", "/admin/inventory/product/{obj}/change/")),
    Form("plan (admin)", "admin", "/admin/memberships/plan/add/", {"name": "memberships.Plan.name"},
         ("/admin/memberships/plan/", "/admin/memberships/plan/{obj}/change/", "/apply/"),
         extra={"price": "1500.00", "interval_count": "1"}),
    Form("class type (admin)", "admin", "/admin/classes/classtype/add/",
         {"title": "classes.ClassType.title", "description": "classes.ClassType.description"},
         ("/admin/classes/classtype/", "/admin/classes/classtype/{obj}/change/"), extra={"default_capacity": "12"}),
    Form("one-off invoice (admin)", "admin", "/admin/billing/invoice/issue/",
         {"description_1": "billing.InvoiceLine.description", "customer_name": "billing.Invoice.customer_name"},
         ("/admin/billing/invoice/", "/admin/billing/invoice/{invoice_of_obj}/change/"),
         extra={"quantity_1": "1", "unit_price_1": "500.00"}),
    Form("ticket reply (admin)", "admin", "/admin/support/ticket/{ticket}/change/",
         {"reply": "support.TicketReply.body"},
         ("/admin/support/ticket/{ticket}/change/", "/portal/support/{ticket}/")),
    Form("trainer (admin)", "admin", "/admin/staff/trainer/{trainer_profile}/change/", {"bio": "staff.Trainer.bio"},
         ("/admin/staff/trainer/{obj}/change/", "/portal/trainer/profile/")),
    Form("room (admin)", "admin", "/admin/classes/room/add/", {"name": "classes.Room.name"},
         ("/admin/classes/room/", "/admin/classes/room/{obj}/change/"), extra={"capacity": "20"}),
]  # fmt: skip


@pytest.fixture
def w(db, admin_user):
    trainer = make_trainer("Tahmid")
    member = make_member(first_name="Anika")
    member_update(member=member, assigned_trainer=trainer)
    member.user.must_change_password = False
    member.user.save(update_fields=["must_change_password"])
    ticket = ticket_open(member=member, subject="Locker", category="OTHER", body="It sticks.", by=member.user)
    lead = make_lead()
    profile = trainer_profile_ensure(user=trainer)
    return {"member": member, "trainer": trainer, "ticket": ticket, "lead": lead, "admin": admin_user,
            "trainer_profile": profile}  # fmt: skip


def client_of(w, who: str) -> Client:
    client = Client()
    user = {"member": w["member"].user, "trainer": w["trainer"], "admin": w["admin"]}.get(who)
    if user is not None:
        client.force_login(user)
    return client


def model_field(path: str):
    app, model, name = path.split(".")
    return apps.get_model(app, model), name


def payload_for(path: str) -> str:
    model, name = model_field(path)
    limit = model._meta.get_field(name).max_length
    return LONG if limit is None or limit >= len(LONG) else SHORT


def submit(form: Form, w, values: dict):
    client = client_of(w, form.who)
    page = client.get(form.url(w, form.page))
    assert page.status_code == 200, f"{form.name}: {form.page} answered {page.status_code}"
    data = {**form_fields(page.content.decode(), next(iter(form.fields))), **form.extra, **values}
    return client, client.post(form.url(w, form.post_to or form.page), data, REMOTE_ADDR="198.51.100.9")


@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_markup_and_sql_are_stored_verbatim_and_shown_escaped(form, w):
    # given: every free-text field of the form holds script, SQL and attribute-breaking text
    values = {name: payload_for(path) for name, path in form.fields.items()}
    # when
    client, response = submit(form, w, values)
    # then: accepted, and stored exactly as typed
    assert response.status_code == 302, f"{form.name}: {response.status_code} {form_errors(response)}"
    stored = None
    for name, path in form.fields.items():
        model, column = model_field(path)
        stored = model._default_manager.filter(**{column: values[name]}).order_by("-pk").first()
        assert stored is not None, f"{form.name}: {name} was not stored verbatim"
    # then: every page showing it escapes it
    member_of_obj = getattr(stored, "member", None) or getattr(getattr(stored, "user", None), "member", None)
    related = {"member_of_obj": member_of_obj, "invoice_of_obj": getattr(stored, "invoice", stored)}
    admin = client_of(w, "admin")
    for template in form.shown_on:
        url = form.url({**w, **related}, template, stored)
        viewer = (
            client_of(w, "member" if "support" in template else "trainer") if template.startswith("/portal/") else admin
        )
        html = viewer.get(url).content.decode()
        assert not [raw for raw in RAW if raw in html], f"{form.name}: unescaped on {url}"
        assert "&lt;script&gt;" in html, f"{form.name}: the text is not shown on {url}"


@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_text_over_a_fields_limit_is_refused_by_the_form(form, w):
    # given: the form's limits, none above the column's
    page = client_of(w, form.who).get(form.url(w, form.page)).content.decode()
    limits = form_limits(page, next(iter(form.fields)))
    for name, path in form.fields.items():
        model, column = model_field(path)
        column_limit = model._meta.get_field(column).max_length
        if column_limit is None and name not in limits:
            continue  # a text column: no limit to reach
        assert name in limits, f"{form.name}: {name} has no maxlength, its column holds {column_limit}"
        assert column_limit is None or limits[name] <= column_limit, f"{form.name}: {name} allows more than the column"
        # when: one character too many (the browser's maxlength bypassed)
        _client, response = submit(form, w, {**dict.fromkeys(form.fields, "ok"), name: "x" * (limits[name] + 1)})
        # then: the form says so (the portal answers 400 with the form); nothing reaches the database
        assert response.status_code in (200, 400), f"{form.name}: {name} too long answered {response.status_code}"
        assert f"at most {limits[name]} characters" in response.content.decode(), f"{form.name}: {name}"


def form_errors(response) -> str:
    context = getattr(response, "context", None) or {}
    for key in ("adminform", "form"):
        found = context.get(key) if hasattr(context, "get") else None
        if found is not None:
            return str(getattr(found, "form", found).errors)
    return ""


def test_member_import_stores_markup_verbatim_and_shows_it_escaped(client, admin_user):
    # given: a CSV whose names carry script and SQL (quoted as a spreadsheet writes them)
    client.force_login(admin_user)
    rows = io.StringIO()
    csv.writer(rows).writerow(["csv-xss@example.com", SHORT, LONG[:150], "01712345671", "1990-01-02", "", "no"])
    # when: uploaded (the preview) and confirmed
    preview = upload(client, MEMBERS, (HEADER + rows.getvalue()).encode())
    done = confirm(client, MEMBERS, preview)
    # then: the preview escaped it, and it was stored as written
    assert preview.status_code == 200 and done.status_code == 302
    assert not [raw for raw in RAW if raw in preview.content.decode()]
    assert "&lt;script&gt;" in preview.content.decode()
    member = Member.objects.get(user__email="csv-xss@example.com")
    assert (member.user.first_name, member.user.last_name) == (SHORT, LONG[:150])
    for url in (MEMBERS, f"{MEMBERS}{member.pk}/change/"):
        html = client.get(url).content.decode()
        assert not [raw for raw in RAW if raw in html] and "&lt;script&gt;" in html, url


def test_member_import_refuses_a_name_over_its_limit_row_by_row(client, admin_user):
    # given
    client.force_login(admin_user)
    limit = User._meta.get_field("first_name").max_length
    # when
    preview = upload(client, MEMBERS, (HEADER + f"long@example.com,{'x' * (limit + 1)},K,01712345672,,,no\n").encode())
    # then: the row's error, in the preview; nothing written
    assert preview.status_code == 200
    assert f"first_name is longer than {limit} characters" in preview.content.decode()
    assert not User.objects.filter(email="long@example.com").exists()


def test_the_email_of_a_staff_reply_shows_the_members_and_staffs_text_escaped(
    w, mailoutbox, django_capture_on_commit_callbacks
):
    # given: a ticket whose subject carries markup
    ticket = ticket_open(member=w["member"], subject=SHORT, category="OTHER", body="Help", by=w["member"].user)
    # when: staff reply with markup, and the outbox sends the email
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=ticket, author=w["admin"], body=LONG)
    # then
    html = html_part(mailoutbox[-1])
    assert not [raw for raw in RAW if raw in html]
    assert html.count("&lt;script&gt;") == 2
