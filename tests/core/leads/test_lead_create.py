"""Taking an application: stored as typed (contact details normalised),
refused as a whole with a message per problem, acknowledged by one email."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.leads.models import GOALS_MAX, NAME_MAX, Lead
from core.notifications.models import Message
from fixtures.factories import PlanFactory
from tests.core.support.builders import make_lead

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("x")</script>'


def test_an_application_is_stored_as_new_with_normalised_contact_details():
    # given an active plan
    plan = PlanFactory(name="Quarterly")

    # when someone applies
    lead = make_lead(email="  Nadia@Example.COM ", phone="01712-345678", plan=plan, source_ip="203.0.113.9")

    # then
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEW
    assert lead.email == "nadia@example.com"
    assert lead.phone == "+8801712345678"
    assert lead.plan == plan
    assert lead.source_ip == "203.0.113.9"
    assert lead.consented_at is not None


def test_the_acknowledgement_email_is_queued_once_and_sent(django_capture_on_commit_callbacks, mailoutbox):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        lead = make_lead(plan=PlanFactory(name="Annual"))

    # then one message in the outbox, keyed to the lead, sent once to the applicant
    messages = Message.objects.filter(template="lead_received")
    assert [(m.recipient, m.dedupe_key) for m in messages] == [("nadia@example.com", f"lead-ack:{lead.pk}")]
    assert len(mailoutbox) == 1
    assert "Hello Nadia" in mailoutbox[0].body
    assert "Annual" in mailoutbox[0].body


def test_a_script_in_a_field_is_stored_verbatim():
    lead = make_lead(name=f"Nadia {SCRIPT}", goals=f"{SCRIPT}\nlift & run")
    lead.refresh_from_db()
    assert lead.name == f"Nadia {SCRIPT}"
    assert lead.goals == f"{SCRIPT}\nlift & run"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"consent": False}, "consent", "Please agree to be contacted: we need it to reply to your application."),
        ({"email": "nadia-at-example.com"}, "email", "“nadia-at-example.com” is not a valid email address."),
        ({"phone": "12345"}, "phone", "“12345” is not a phone number we can use."),
        ({"name": "x" * (NAME_MAX + 1)}, "name", "Ensure this value has at most 100 characters (it has 101)."),
        ({"goals": "x" * (GOALS_MAX + 1)}, "goals", "Ensure this value has at most 1000 characters (it has 1001)."),
        ({"name": "   "}, "name", "This field cannot be blank."),
        ({"heard_from": "TV"}, "heard_from", "Value 'TV' is not a valid choice."),
        ({"heard_from": "OTHER", "heard_from_other": ""}, "heard_from_other", "Tell us where you heard of us."),
    ],
    ids=["no-consent", "bad-email", "bad-phone", "long-name", "long-goals", "blank-name", "bad-choice", "other"],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_stored(overrides, field, message):
    # when
    with pytest.raises(ValidationError) as exc:
        make_lead(**overrides)

    # then
    assert any(text.startswith(message) for text in exc.value.message_dict[field]), exc.value.message_dict
    assert Lead.objects.count() == 0
    assert Message.objects.count() == 0


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValidationError) as exc:
        make_lead(consent=False, email="bad", phone="bad", name="")
    assert set(exc.value.message_dict) == {"consent", "email", "phone", "name"}


def test_a_retired_plan_or_a_past_start_is_refused():
    # given
    retired = PlanFactory(name="Student 2024", is_active=False)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    # when
    with pytest.raises(ValidationError) as exc:
        make_lead(plan=retired, preferred_start=yesterday)

    # then
    assert exc.value.message_dict["plan"] == [
        "The plan “Student 2024” is no longer offered; choose another one or “Not sure yet”."
    ]
    assert exc.value.message_dict["preferred_start"] == ["The preferred start date is in the past."]
