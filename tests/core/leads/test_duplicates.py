"""Duplicate detection by email or phone against members and open leads (for staff)."""

import pytest

from core.leads.models import Lead
from core.leads.selectors import lead_duplicates, leads_with_duplicate_flags
from core.leads.services import lead_set_status
from core.members.services import member_soft_delete
from fixtures.factories import MemberFactory, MemberUserFactory
from tests.core.support.builders import make_lead

pytestmark = pytest.mark.django_db


def flags(lead: Lead) -> tuple[bool, bool]:
    row = leads_with_duplicate_flags(Lead.objects.filter(pk=lead.pk)).get()
    return row.member_match, row.lead_match


def test_a_lead_with_a_members_email_is_flagged_whatever_the_case():
    # given a member
    member = MemberFactory(user=MemberUserFactory(email="rafi@example.com"), phone="+8801711000001")

    # when someone applies with the same email in capitals and another phone
    lead = make_lead(email="RAFI@example.com", phone="01999888777")

    # then
    assert lead_duplicates(lead=lead).members == [member]
    assert flags(lead) == (True, False)


def test_a_lead_with_a_members_phone_in_local_form_is_flagged():
    member = MemberFactory(phone="+8801711000001")
    lead = make_lead(email="someone.else@example.com", phone="01711-000001")
    assert lead_duplicates(lead=lead).members == [member]


def test_a_deleted_member_is_still_reported():
    member = MemberFactory(phone="+8801711000001")
    member_soft_delete(member=member)
    lead = make_lead(phone="01711000001")
    assert lead_duplicates(lead=lead).members == [member]


def test_open_leads_with_the_same_email_or_phone_are_flagged_but_closed_ones_are_not():
    # given an open lead, a lost lead and an unrelated lead
    first = make_lead(email="nadia@example.com", phone="01712345678")
    lost = make_lead(email="nadia.k@example.com", phone="01712345678")
    lead_set_status(lead=lost, status=Lead.Status.LOST)
    make_lead(email="other@example.com", phone="01812345678")

    # when the same person applies again
    again = make_lead(email="nadia@example.com", phone="01799999999")

    # then only the open lead is reported, both ways
    assert lead_duplicates(lead=again).leads == [first]
    assert lead_duplicates(lead=first).leads == [again]
    assert flags(again) == (False, True)


def test_a_lead_matching_nobody_has_no_duplicates():
    MemberFactory(phone="+8801711000001")
    lead = make_lead()
    assert not lead_duplicates(lead=lead)
    assert flags(lead) == (False, False)
