"""Journey 8, in a real browser against the live stack (tests/e2e/stack.py):
an admin provisions a member with a plan and takes the first payment at the
desk; the welcome email goes out through the worker and SMTP; the member logs
in with its temporary password, must choose their own, sees their membership,
books a class, joins the waitlist of a full one, renews with bKash on the
simulator's pay page and downloads the paid invoice as a PDF. (It took in
the former booking-only browser test: the week view, booking, the waitlist,
my bookings on a phone-sized screen.)

Screenshots of each key page go to test-artifacts/e2e/ (git-ignored).
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.billing.models import Invoice
from core.classes.services.bookings import booking_create
from core.members.models import Member
from core.memberships.models import Membership
from fixtures.factories import AdminFactory
from tests.core.classes.builders import make_class_type, make_member, make_plan, make_room, make_trainer, one_off
from tests.e2e.stack import change_password, login
from tests.support.pdf import pdf_text

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

EMAIL = "nadia.karim@example.com"
NEW_PASSWORD = "Treadmill-Sunrise-4821"


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def gym(stack):
    """An admin; the Monthly plan, which includes tomorrow's Yoga (18:00, 3 seats)
    and HIIT (07:00, its one seat taken)."""
    plan = make_plan(name="Monthly")
    yoga = make_class_type(title="Yoga", plans=(plan,))
    hiit = make_class_type(title="HIIT", plans=(plan,))
    room, trainer = make_room(name="Studio A", capacity=20), make_trainer("Tanvir")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    one_off(class_type=yoga, instructor=trainer, room=room, starts_at=_at(tomorrow, 18), capacity=3)
    full = one_off(class_type=hiit, instructor=trainer, room=room, starts_at=_at(tomorrow, 7), capacity=1)
    booking_create(session=full, member=make_member(plan=plan, first_name="Mitu"))
    return {"admin": AdminFactory(first_name="Ada"), "tomorrow": tomorrow}


def admin_provisions_member(page, stack, admin, shot) -> Member:
    login(page, stack.url, admin.email)
    page.goto(f"{stack.url}/admin/members/member/add/")
    page.fill("#id_email", EMAIL)
    page.fill("#id_first_name", "Nadia")
    page.fill("#id_last_name", "Karim")
    page.fill("#id_phone", "01712345678")
    page.select_option("#id_initial_plan", label="Monthly")
    shot(page, "member-01-admin-add-member")
    page.click("button[name=_save]")
    expect(page.locator("body")).to_contain_text(f"A welcome email with a temporary password is on its way to {EMAIL}")
    member = Member.objects.get(user__email=EMAIL)
    # ...and takes the first month's payment in cash at the desk
    invoice = Membership.objects.get(member=member).invoice
    page.goto(f"{stack.url}/admin/billing/invoice/{invoice.pk}/record-payment/")
    expect(page.locator("#id_amount")).to_have_value("2000.00")
    page.click("button:has-text('Record payment')")
    expect(page.locator("body")).to_contain_text(f"on {invoice.number}; balance now")
    shot(page, "member-02-admin-payment-recorded")
    return member


def take_a_place(page, day, title: str, *, spots: str, button: str, said: str, state: str) -> None:
    """Open the class ``title`` from the week's ``day``, press ``button`` and see the outcome."""
    day.locator("a", has_text=title).click()
    expect(page.locator("#spots-left")).to_have_text(spots)
    page.click(f"button:has-text('{button}')")
    expect(page.locator(".messages")).to_contain_text(said)
    expect(page.locator("#booking-state")).to_have_text(state)


def test_a_provisioned_member_logs_in_books_renews_with_bkash_and_downloads_the_invoice(
    new_page, stack, gym, screenshot
):
    member = admin_provisions_member(new_page(), stack, gym["admin"], screenshot)

    # given: the welcome email, delivered by the worker through SMTP
    temp_password = stack.temp_password(EMAIL)
    page = new_page()

    # when: the member logs in with it, they must choose their own password first
    login(page, stack.url, EMAIL, temp_password)
    expect(page).to_have_url(re.compile(r"/accounts/password/change/"))
    expect(page.locator(".messages")).to_contain_text("Please choose your own password")
    screenshot(page, "member-03-forced-password-change")
    change_password(page, temp_password, NEW_PASSWORD)

    # then: the portal home shows the membership snapshot
    page.goto(f"{stack.url}/portal/")
    expect(page.locator("h1")).to_contain_text("Hello, Nadia")
    card = page.locator(".card", has=page.locator("h2", has_text="My membership"))
    expect(card).to_contain_text("Monthly")
    expect(card).to_contain_text("Active")
    ends_on = Membership.objects.get(member=member).ends_on
    expect(card).to_contain_text(f"{ends_on.day} {ends_on:%b %Y}")
    screenshot(page, "member-04-portal-home")

    # when: they book Yoga tomorrow, and join the waitlist of the full HIIT class
    tomorrow = gym["tomorrow"]
    page.click("text=This week's classes")
    if tomorrow.weekday() == 0:
        page.click("text=Next week")
    day = page.locator("section.day", has=page.locator("h2", has_text=f"{tomorrow:%A} {tomorrow.day} {tomorrow:%b}"))
    expect(day).to_contain_text("3 spots left")
    expect(day).to_contain_text("Full")
    screenshot(page, "member-05-week-schedule")
    take_a_place(page, day, "Yoga", spots="3", button="Book", said="You are booked: Yoga", state="Booked")
    expect(page.locator("#spots-left")).to_have_text("2")
    screenshot(page, "member-06-class-booked")
    page.click("text=Back to the week")
    take_a_place(
        page, day, "HIIT", spots="None: full", button="Join waitlist", said="you are number 1", state="Waitlist #1"
    )
    expect(page.locator("#waitlist-count")).to_have_text("1 waiting")
    screenshot(page, "member-07-waitlisted")
    # and my bookings lists both, on a phone-sized screen too
    page.click("nav >> text=My bookings")
    expect(page.locator(".session", has_text="Yoga")).to_contain_text("Booked")
    expect(page.locator(".session", has_text="HIIT")).to_contain_text("Waitlist #1")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "member-08-my-bookings-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    # when: they renew with bKash: the simulator's pay page, Pay, and back to the gym
    page.click("nav >> text=Home")
    page.click("button:has-text('Renew with bKash')")
    expect(page).to_have_url(re.compile("^" + re.escape(stack.bkash.root_url) + "/checkout/"))
    expect(page.locator("h1")).to_have_text("bKash simulator")
    screenshot(page, "member-09-bkash-pay-page")
    page.click("button:has-text('Pay')")

    # then: the callback page confirms the payment, and the renewal invoice is paid
    expect(page).to_have_url(re.compile("^" + re.escape(stack.url) + "/payments/bkash/callback/"))
    expect(page.locator("h1")).to_have_text("Payment received")
    renewal = Membership.objects.filter(member=member).order_by("-starts_on").first()
    assert renewal.starts_on == ends_on + datetime.timedelta(days=1)
    invoice = Invoice.objects.get(pk=renewal.invoice_id)
    assert invoice.status == Invoice.Status.PAID
    (sim_payment,) = stack.bkash.payments()
    expect(page.locator("body")).to_contain_text(sim_payment.trx_id)
    screenshot(page, "member-10-payment-received")

    # and the invoice page says paid, with its PDF (fetched with the browser's session)
    page.click(f"text=View invoice {invoice.number}")
    expect(page.locator("h1")).to_contain_text("Paid")
    screenshot(page, "member-11-invoice-paid")
    href = page.get_attribute("text=Download the invoice (PDF)", "href")
    response = page.context.request.get(stack.url + href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.body())
    assert invoice.number in text and "Nadia Karim" in text
    # the receipt email went out through the worker too
    receipt = stack.mail(EMAIL, f"Receipt {invoice.payments.get().receipt_number} for invoice {invoice.number}")
    assert "bKash" in receipt.text
