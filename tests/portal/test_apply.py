"""The public application form at /apply/: validation messages, escaping,
CSRF, the honeypot, the per-address limit and the acknowledgement email."""

import logging
import re

import pytest
from django.test import Client

from core.leads.models import Lead
from core.notifications.models import Message
from fixtures.factories import MemberFactory, MemberUserFactory, PlanFactory

pytestmark = pytest.mark.django_db

URL = "/apply/"
SCRIPT = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


def form(**overrides) -> dict:
    data = {
        "name": "Nadia Karim",
        "email": "nadia@example.com",
        "phone": "01712 345678",
        "plan": "",
        "preferred_start": "",
        "goals": "Get stronger",
        "heard_from": "FRIEND",
        "heard_from_other": "",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post(client, ip: str = "198.51.100.7", **overrides):
    return client.post(URL, form(**overrides), REMOTE_ADDR=ip)


def test_the_landing_page_links_to_the_form(client):
    assert 'href="/apply/"' in client.get("/").content.decode()


def test_the_form_is_public_with_csrf_and_a_honeypot_hidden_by_css(client):
    # given an active and a retired plan
    PlanFactory(name="Quarterly")
    PlanFactory(name="Student 2024", is_active=False)

    # when
    page = client.get(URL)

    # then
    body = page.content.decode()
    assert page.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in body
    honeypot = re.search(r'<div class="hp"[^>]*>.*?<input ([^>]*name="website"[^>]*)>', body, re.S)
    assert honeypot and 'type="text"' in honeypot.group(1)
    assert "Quarterly" in body and "Student 2024" not in body


def test_a_post_without_the_csrf_token_is_refused(db):
    client = Client(enforce_csrf_checks=True)
    assert client.post(URL, form()).status_code == 403
    assert Lead.objects.count() == 0


def test_a_valid_application_is_stored_thanked_and_acknowledged_once(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    # given
    plan = PlanFactory(name="Quarterly")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, plan=str(plan.pk))

    # then
    assert response.status_code == 302 and response.url == "/apply/thanks/"
    lead = Lead.objects.get()
    assert (lead.status, lead.phone, lead.plan, lead.source_ip) == ("NEW", "+8801712345678", plan, "198.51.100.7")
    assert Message.objects.filter(template="lead_received", recipient="nadia@example.com").count() == 1
    assert len(mailoutbox) == 1
    assert "Thank you, Nadia Karim!" in client.get(response.url).content.decode()


def test_a_start_date_far_ahead_is_refused_by_the_service_with_its_message(client):
    response = post(client, preferred_start="2099-01-01")
    assert response.status_code == 200
    assert "Choose a start date within the next 12 months." in response.content.decode()
    assert Lead.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"consent": None}, "Please agree to be contacted: we need it to reply to your application."),
        ({"email": "nadia@"}, "Enter a valid email address."),
        ({"phone": "12345"}, "is not a phone number we can use. Write it like 01712345678"),
        ({"name": "N" * 101}, "Ensure this value has at most 100 characters (it has 101)."),
        ({"goals": "g" * 1001}, "Ensure this value has at most 1000 characters (it has 1001)."),
        ({"heard_from_other": "o" * 101, "heard_from": "OTHER"}, "at most 100 characters (it has 101)."),
        ({"heard_from": "OTHER"}, "Tell us where you heard of us."),
        ({"name": ""}, "Tell us your name."),
        ({"phone": ""}, "Enter your mobile number so we can call you back."),
        ({"heard_from": ""}, "Choose how you heard of us."),
        ({"plan": "999999"}, "Choose one of the plans in the list."),
    ],
    ids=["no-consent", "bad-email", "bad-phone", "long-name", "long-goals", "long-other", "other-empty", "no-name",
         "no-phone", "no-source", "bad-plan"],
)  # fmt: skip
def test_bad_input_shows_a_clear_message_and_stores_nothing(client, overrides, message):
    # when
    response = post(client, **overrides)

    # then the form comes back with the message and the rest of the input kept
    body = response.content.decode()
    assert response.status_code == 200
    assert message.replace('"', "&quot;") in body.replace("&#x27;", "'")
    assert 'class="errorlist' in body
    assert Lead.objects.count() == 0
    assert Message.objects.count() == 0


def test_a_script_in_a_field_is_stored_verbatim_and_shown_escaped(client):
    # when
    response = post(client, name=f"Nadia {SCRIPT}", goals=SCRIPT)

    # then stored as typed
    lead = Lead.objects.get()
    assert (lead.name, lead.goals) == (f"Nadia {SCRIPT}", SCRIPT)
    # and echoed escaped on the thank-you page
    thanks = client.get(response.url).content.decode()
    assert ESCAPED in thanks
    assert SCRIPT not in thanks


def test_a_script_in_a_refused_form_is_echoed_escaped(client):
    body = post(client, name=SCRIPT, consent=None).content.decode()
    assert ESCAPED in body and SCRIPT not in body


def test_a_filled_honeypot_looks_like_success_but_stores_nothing(client, caplog):
    # when a robot fills every field it finds
    with caplog.at_level(logging.WARNING, logger="portal.leads"):
        response = post(client, website="http://spam.example")

    # then it is thanked like a person, nothing is stored or emailed, and the attempt is logged
    assert response.status_code == 302 and response.url == "/apply/thanks/"
    assert client.get(response.url).status_code == 200
    assert Lead.objects.count() == 0
    assert Message.objects.count() == 0
    assert "honeypot filled from 198.51.100.7" in caplog.text


def test_the_sixth_application_from_one_address_within_the_hour_is_refused(client, settings):
    # given five applications from one address
    assert settings.LEAD_RATE_LIMIT == 5
    for n in range(5):
        assert post(client, email=f"person{n}@example.com").status_code == 302

    # when a sixth comes from it
    response = post(client, email="person6@example.com")

    # then it is refused with a clear message (its input kept) and not stored
    body = response.content.decode()
    assert response.status_code == 429
    assert "We received several applications from your network in the last hour" in body
    assert "please try again later" in body.lower()
    assert 'value="person6@example.com"' in body
    assert Lead.objects.count() == 5
    assert not Lead.objects.filter(email="person6@example.com").exists()

    # and another address is not affected
    assert post(client, ip="198.51.100.8", email="person7@example.com").status_code == 302
    assert Lead.objects.count() == 6


def test_invalid_submissions_do_not_use_up_the_allowance(client):
    for _ in range(6):
        post(client, consent=None)
    assert post(client).status_code == 302


def test_the_limit_ignores_a_forged_forwarded_for_header(client):
    for n in range(5):
        post(client, email=f"person{n}@example.com")
    response = client.post(
        URL, form(email="person9@example.com"), REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="10.0.0.99"
    )
    assert response.status_code == 429


def test_behind_the_gyms_proxy_each_applicant_has_their_own_allowance(client, settings):
    # given: TLS ends at the gym's proxy, so every request comes from its address
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(5):
        client.post(URL, form(email=f"person{n}@example.com"), HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    # when: the same applicant goes on, also forging an entry, and someone else applies
    again = client.post(URL, form(email="person8@example.com"), HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5", **proxy)
    other = client.post(URL, form(email="person9@example.com"), HTTP_X_FORWARDED_FOR="198.51.100.8", **proxy)
    # then
    assert again.status_code == 429
    assert other.status_code == 302
    assert Lead.objects.filter(email="person9@example.com", source_ip="198.51.100.8").exists()


def test_a_members_email_gets_the_same_answer_as_anyone(client):
    # given a member
    MemberFactory(user=MemberUserFactory(email="rafi@example.com"))

    # when they apply again
    response = post(client, email="rafi@example.com")

    # then nothing tells them (or anyone typing their email) that they are a member
    assert response.status_code == 302 and response.url == "/apply/thanks/"
    thanks = client.get(response.url).content.decode()
    assert "member" not in thanks.lower().replace("membership", "")
    assert Lead.objects.filter(email="rafi@example.com").exists()


def test_the_thanks_page_without_an_application_is_generic(client):
    body = client.get("/apply/thanks/").content.decode()
    assert "Thank you!" in body


def test_both_pages_declare_they_are_public():
    from django.urls import resolve

    assert resolve("/apply/").func.access_rule == {"public": True}
    assert resolve("/apply/thanks/").func.access_rule == {"public": True}
