"""The leads inbox in the admin: list (NEW badge, duplicate flag, fixed
queries), the lead page (duplicates for staff, timeline, escaping), the
actions, and converting a lead into a member."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.accounts.models import User
from core.leads.models import Lead
from core.leads.services import lead_set_status
from core.members.models import Member
from core.notifications.models import Message
from fixtures.factories import MemberFactory, MemberUserFactory
from tests.core.support.builders import make_lead, sidebar_link

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/leads/lead/"
SCRIPT = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


def change_url(lead: Lead) -> str:
    return f"/admin/leads/lead/{lead.pk}/change/"


def leads(n: int) -> list[Lead]:
    return [make_lead(email=f"lead{i}@example.com", phone=f"0171200{i:04d}") for i in range(n)]


@pytest.mark.parametrize("role", ["admin_user", "support_user"])
def test_the_inbox_lists_leads_and_the_sidebar_counts_the_new_ones(client, request, role):
    # given two new leads and a contacted one
    first, second, third = leads(3)
    lead_set_status(lead=third, status=Lead.Status.CONTACTED)

    # when
    client.force_login(request.getfixturevalue(role))
    response = client.get(LIST_URL)

    # then
    body = response.content.decode()
    assert response.status_code == 200
    for lead in (first, second, third):
        assert lead.email in body
    assert sidebar_link(body, LIST_URL) == "person_add Leads 2"


def test_the_sidebar_badge_disappears_when_no_lead_is_new(client, support_user):
    (lead,) = leads(1)
    lead_set_status(lead=lead, status=Lead.Status.LOST)
    client.force_login(support_user)
    assert sidebar_link(client.get("/admin/").content.decode(), LIST_URL) == "person_add Leads"


def test_the_inbox_filters_work(client, admin_user, support_user):
    # given
    new, contacted = leads(2)
    lead_set_status(lead=contacted, status=Lead.Status.CONTACTED)
    client.force_login(support_user)

    # when / then
    for query in ("status=open", "status=NEW", "assignee=me", "assignee=none", "follow_up=due", "follow_up=week",
                  "follow_up=none", "heard_from__exact=FRIEND", "q=lead0"):  # fmt: skip
        assert client.get(f"{LIST_URL}?{query}").status_code == 200, query
    assert new.email in client.get(f"{LIST_URL}?status=NEW").content.decode()
    assert contacted.email not in client.get(f"{LIST_URL}?status=NEW").content.decode()


def test_the_inbox_runs_a_fixed_number_of_queries(client, support_user):
    # given
    client.force_login(support_user)
    leads(2)
    client.get(LIST_URL)  # warm-up: permissions, session
    with CaptureQueriesContext(connection) as few:
        client.get(LIST_URL)
    leads_more = [make_lead(email=f"more{i}@example.com", phone=f"0181200{i:04d}") for i in range(8)]

    # when
    with CaptureQueriesContext(connection) as many:
        client.get(LIST_URL)

    # then
    assert len(leads_more) == 8
    assert len(many) == len(few)


def test_duplicates_are_shown_to_staff_in_the_list_and_on_the_lead_page(client, support_user):
    # given a member, and an application with their email
    member = MemberFactory(user=MemberUserFactory(email="rafi@example.com"))
    lead = make_lead(email="rafi@example.com", phone="01999888777")
    client.force_login(support_user)

    # when / then: the list flags it
    assert "Member" in client.get(LIST_URL).content.decode()
    # and the lead page links to the member
    page = client.get(change_url(lead)).content.decode()
    assert f'href="/admin/members/member/{member.pk}/change/"' in page
    assert member.code in page


def test_a_script_in_an_application_is_shown_escaped(client, admin_user):
    # given
    lead = make_lead(name=f"Nadia {SCRIPT}", goals=SCRIPT)
    client.force_login(admin_user)

    # when
    listing = client.get(LIST_URL).content.decode()
    page = client.get(change_url(lead)).content.decode()

    # then
    for body in (listing, page):
        assert ESCAPED in body
        assert SCRIPT not in body


def test_bulk_mark_contacted_and_assign_to_me(client, support_user):
    # given
    first, second = leads(2)
    client.force_login(support_user)

    # when
    client.post(LIST_URL, {"action": "mark_contacted", "_selected_action": [first.pk, second.pk]})
    client.post(LIST_URL, {"action": "assign_to_me", "_selected_action": [first.pk]})

    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Lead.Status.CONTACTED, Lead.Status.CONTACTED)
    assert (first.assignee, second.assignee) == (support_user, None)
    assert [n.text for n in first.notes.all()] == ["Assigned to Sam " + support_user.last_name + ".",
                                                   "Status: New → Contacted."]  # fmt: skip


def test_add_note_asks_for_the_text_first(client, support_user):
    # given
    (lead,) = leads(1)
    client.force_login(support_user)
    url = f"/admin/leads/lead/{lead.pk}/note/"

    # when the action is opened, then sent empty, then with a note
    form_page = client.get(url)
    empty = client.post(url, {"_apply": "1", "text": ""})
    done = client.post(url, {"_apply": "1", "text": "Called, no answer. <b>try again</b>"})

    # then
    assert form_page.status_code == 200 and 'name="text"' in form_page.content.decode()
    assert empty.status_code == 200 and "This field is required." in empty.content.decode()
    assert done.status_code == 302
    assert lead.notes.get().text == "Called, no answer. <b>try again</b>"
    assert "Called, no answer. &lt;b&gt;try again&lt;/b&gt;" in client.get(change_url(lead)).content.decode()


def test_bulk_mark_lost_with_a_note(client, support_user):
    (lead,) = leads(1)
    client.force_login(support_user)
    page = client.post(LIST_URL, {"action": "mark_lost", "_selected_action": [lead.pk]})
    assert page.status_code == 200 and "Mark leads lost" in page.content.decode()
    client.post(LIST_URL, {"action": "mark_lost", "_selected_action": [lead.pk], "_apply": "1", "text": "Too far"})
    lead.refresh_from_db()
    assert lead.status == Lead.Status.LOST
    assert lead.notes.get().text == "Status: New → Lost. Too far"


def test_editing_a_lead_goes_through_the_service(client, support_user, admin_user):
    # given
    (lead,) = leads(1)
    client.force_login(support_user)
    data = {
        "name": lead.name, "email": lead.email, "phone": "01812 000000", "plan": "", "preferred_start": "",
        "goals": lead.goals, "heard_from": lead.heard_from, "heard_from_other": "", "follow_up_on": "2030-01-02",
        "assignee": admin_user.pk,
    }  # fmt: skip

    # when
    response = client.post(change_url(lead), data)

    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    lead.refresh_from_db()
    assert (lead.phone, str(lead.follow_up_on), lead.assignee) == ("+8801812000000", "2030-01-02", admin_user)
    assert lead.notes.first().text.startswith("Assigned to Ada")
    # and a bad phone comes back beside the field
    bad = client.post(change_url(lead), {**data, "phone": "12"})
    assert bad.status_code == 200 and "is not a phone number we can use" in bad.content.decode()


def test_convert_to_member_creates_the_member_and_account(client, support_user):
    # given
    lead = make_lead(name="Nadia Karim", email="nadia@example.com")
    client.force_login(support_user)
    url = f"/admin/leads/lead/{lead.pk}/convert/"

    # when staff open the action and confirm
    confirm = client.get(url)
    response = client.post(url, {"_apply": "1"})

    # then
    assert confirm.status_code == 200 and "Create the member" in confirm.content.decode()
    member = Member.objects.get(user__email="nadia@example.com")
    assert response.status_code == 302 and response.url == f"/admin/members/member/{member.pk}/change/"
    assert Message.objects.filter(template="welcome", user=member.user).count() == 1
    lead.refresh_from_db()
    assert (lead.status, lead.member) == (Lead.Status.CONVERTED, member)
    page = client.get(change_url(lead)).content.decode()
    assert member.code in page
    assert "/convert/" not in page  # a converted lead offers no conversion


def test_convert_is_refused_with_a_link_when_the_email_has_an_account(client, support_user):
    # given
    existing = MemberFactory(user=MemberUserFactory(email="rafi@example.com"))
    lead = make_lead(email="rafi@example.com")
    client.force_login(support_user)
    users_before = User.objects.count()

    # when
    response = client.post(f"/admin/leads/lead/{lead.pk}/convert/", {"_apply": "1"}, follow=True)

    # then
    body = response.content.decode()
    assert f"already exists (member {existing.code})" in body
    assert f'href="/admin/members/member/{existing.pk}/change/"' in body
    assert User.objects.count() == users_before
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEW


def test_leads_cannot_be_added_in_the_admin(client, support_user):
    client.force_login(support_user)
    assert client.get("/admin/leads/lead/add/").status_code == 403
