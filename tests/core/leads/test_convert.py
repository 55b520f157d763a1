"""Converting a lead: member + login + welcome email in one step, linked to
the lead; refused (with nothing written) when the email has an account."""

import pytest
from django.core.exceptions import ValidationError

from core.accounts.models import User
from core.leads.models import Lead
from core.leads.services import lead_assign, lead_convert, lead_set_status
from core.members.models import Member
from core.notifications.models import Message
from fixtures.factories import MemberFactory, MemberUserFactory, TrainerUserFactory
from tests.core.support.builders import make_lead

pytestmark = pytest.mark.django_db


def test_conversion_creates_the_member_and_login_and_links_the_lead(support_user):
    # given a lead on trial
    lead = make_lead(name="Nadia  Karim Chowdhury", email="nadia@example.com", phone="01712345678")
    lead_set_status(lead=lead, status=Lead.Status.TRIAL, by=support_user)

    # when staff convert it
    member = lead_convert(lead=lead, by=support_user)

    # then a member with a member login exists, with the lead's details
    member = Member.objects.select_related("user").get(pk=member.pk)
    assert member.phone == "+8801712345678"
    assert (member.user.email, member.user.first_name, member.user.last_name) == (
        "nadia@example.com",
        "Nadia",
        "Karim Chowdhury",
    )
    assert member.user.role == User.Role.MEMBER
    assert member.user.must_change_password
    # and the welcome email with the temporary password is queued for them
    assert Message.objects.filter(template="welcome", user=member.user).count() == 1
    # and the lead is closed as converted and points at the member
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONVERTED
    assert lead.member == member
    assert lead.converted_at is not None
    assert lead.notes.first().text == f"Converted to member {member.code}."


def test_conversion_is_refused_when_the_email_already_has_an_account(support_user):
    # given a member who applies again with their own email
    existing = MemberFactory(user=MemberUserFactory(email="rafi@example.com"))
    lead = make_lead(email="Rafi@Example.com")
    users_before, members_before = User.objects.count(), Member.objects.count()

    # when
    with pytest.raises(ValidationError) as exc:
        lead_convert(lead=lead, by=support_user)

    # then the reason names the member, the admin gets what it needs for a link, nothing is written
    error = exc.value.error_list[0]
    assert error.code == "account_exists"
    assert error.params["member_id"] == existing.pk
    assert exc.value.messages == [
        f"An account with the email rafi@example.com already exists (member {existing.code}); "
        "open it instead of converting this lead."
    ]
    assert (User.objects.count(), Member.objects.count()) == (users_before, members_before)
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEW
    assert lead.member is None


def test_conversion_refused_for_a_staff_account_email(support_user):
    TrainerUserFactory(email="tia@example.com")
    lead = make_lead(email="tia@example.com")
    with pytest.raises(ValidationError) as exc:
        lead_convert(lead=lead, by=support_user)
    assert "(a trainer account)" in exc.value.messages[0]


def test_a_converted_lead_is_closed(support_user):
    # given
    lead = make_lead()
    member = lead_convert(lead=lead, by=support_user)

    # when / then: no second conversion, no status change, no reassignment
    for change in (
        lambda: lead_convert(lead=lead, by=support_user),
        lambda: lead_set_status(lead=lead, status=Lead.Status.LOST, by=support_user),
        lambda: lead_assign(lead=lead, assignee=support_user, by=support_user),
    ):
        with pytest.raises(ValidationError) as exc:
            change()
        assert exc.value.messages == [f"Nadia Karim was already converted to {member.code}; the lead is closed."]
    assert Member.objects.count() == 1


def test_status_changes_and_assignments_go_on_the_timeline(support_user, admin_user):
    # given
    lead = make_lead()

    # when
    lead_set_status(lead=lead, status=Lead.Status.CONTACTED, by=support_user, note="Calls back on Friday.")
    lead_assign(lead=lead, assignee=admin_user, by=support_user)

    # then, newest first
    assert [(n.author, n.text) for n in lead.notes.all()] == [
        (support_user, "Assigned to Ada " + admin_user.last_name + "."),
        (support_user, "Status: New → Contacted. Calls back on Friday."),
    ]


def test_converted_status_cannot_be_set_by_hand_and_assignees_must_be_staff(support_user, trainer_user):
    lead = make_lead()
    with pytest.raises(ValidationError, match="Convert to member"):
        lead_set_status(lead=lead, status=Lead.Status.CONVERTED, by=support_user)
    with pytest.raises(ValidationError) as exc:
        lead_assign(lead=lead, assignee=trainer_user, by=support_user)
    assert exc.value.message_dict == {"assignee": [f"{trainer_user} is not active admin or support staff."]}
