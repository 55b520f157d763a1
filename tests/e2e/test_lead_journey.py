"""Journey 11, in a real browser against the live stack (tests/e2e/stack.py):
a visitor applies at /apply/; an admin converts the lead into a member in the
admin; the worker delivers the welcome email through SMTP, and the new
member logs in with its temporary password and chooses their own.

Screenshots of each key page go to test-artifacts/e2e/ (git-ignored).
"""

import re

import pytest
from playwright.sync_api import expect

from core.leads.models import Lead
from core.members.models import Member
from fixtures.factories import AdminFactory
from tests.core.classes.builders import make_plan
from tests.e2e.stack import change_password, login

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

EMAIL = "farhana.akter@example.com"
NEW_PASSWORD = "Kettlebell-Monsoon-7314"


def test_a_lead_applies_is_converted_by_an_admin_and_logs_in_as_a_member(new_page, stack, screenshot):
    make_plan(name="Quarterly")
    admin = AdminFactory(first_name="Ada")

    # given: a visitor applies on the public form
    visitor = new_page()
    visitor.goto(f"{stack.url}/apply/")
    visitor.fill("#id_name", "Farhana Akter")
    visitor.fill("#id_email", EMAIL)
    visitor.fill("#id_phone", "01812 345678")
    visitor.select_option("#id_plan", label="Quarterly")
    visitor.select_option("#id_heard_from", value=Lead.HeardFrom.FRIEND)
    visitor.check("#id_consent")
    screenshot(visitor, "lead-01-apply-form")
    visitor.click("button:has-text('Send my application')")
    expect(visitor.locator("h1")).to_have_text("Thank you, Farhana Akter!")
    screenshot(visitor, "lead-02-thanks")
    # and the acknowledgement went out through the worker
    stack.mail(EMAIL, "Thank you for applying")

    # when: an admin finds the new lead in the inbox and converts it
    desk = new_page()
    login(desk, stack.url, admin.email)
    desk.goto(f"{stack.url}/admin/leads/lead/")
    desk.click("a:has-text('Farhana Akter')")
    expect(desk.locator("body")).to_contain_text(EMAIL)
    screenshot(desk, "lead-03-admin-lead-page")
    desk.click("a:has-text('Convert to member')")
    desk.click("button:has-text('Create the member')")

    # then: the member exists, and the admin is on their page
    expect(desk.locator("body")).to_contain_text(f"a welcome email with a temporary password is on its way to {EMAIL}")
    member = Member.objects.get(user__email=EMAIL)
    expect(desk).to_have_url(re.compile(rf"/admin/members/member/{member.pk}/change/"))
    assert Lead.objects.get(email=EMAIL).status == Lead.Status.CONVERTED
    screenshot(desk, "lead-04-admin-member-created")

    # when: the welcome email arrives and the new member logs in with its password
    temp_password = stack.temp_password(EMAIL)
    person = new_page()
    login(person, stack.url, EMAIL, temp_password)
    expect(person).to_have_url(re.compile(r"/accounts/password/change/"))
    screenshot(person, "lead-05-forced-password-change")
    change_password(person, temp_password, NEW_PASSWORD)

    # then: they reach their portal home (no membership sold yet)
    person.goto(f"{stack.url}/portal/")
    expect(person.locator("h1")).to_contain_text("Hello, Farhana")
    expect(person.locator("body")).to_contain_text(member.code)
    expect(person.locator("body")).to_contain_text("You have no current membership")
    screenshot(person, "lead-06-member-home")
    # and the temporary password no longer works
    person.context.clear_cookies()
    login(person, stack.url, EMAIL, temp_password, succeeds=False)
    expect(person.locator(".errorlist")).to_be_visible()
