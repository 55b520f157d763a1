"""The member's booking happy path in a real browser: log in, open the
week's classes, open a class, book it (the spots count drops), then join
the waitlist of a full class and see the place. Plain forms, no JavaScript
needed; screenshots of each step go to test-artifacts/e2e/."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.classes.services.bookings import booking_create
from fixtures.factories import DEFAULT_PASSWORD
from tests.core.classes.builders import make_class_type, make_member, make_plan, make_room, make_trainer, one_off

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def timetable():
    """Tomorrow (gym time): Yoga at 18:00 with 3 seats, and HIIT at 07:00 with
    its only seat taken. Both are in the member's plan."""
    plan = make_plan(name="Quarterly")
    yoga = make_class_type(title="Yoga", tags=("mind-body",), plans=(plan,))
    hiit = make_class_type(title="HIIT", tags=("cardio",), plans=(plan,))
    room, trainer = make_room(name="Studio A", capacity=20), make_trainer("Tanvir")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    one_off(class_type=yoga, instructor=trainer, room=room, starts_at=_at(tomorrow, 18), capacity=3)
    full = one_off(class_type=hiit, instructor=trainer, room=room, starts_at=_at(tomorrow, 7), capacity=1)
    booking_create(session=full, member=make_member(plan=plan, first_name="Mitu"))
    member = make_member(plan=plan, first_name="Rafi")
    return {"member": member, "tomorrow": tomorrow}


def test_a_member_books_a_class_and_joins_a_waitlist(page, live_server, timetable, screenshot):
    member, tomorrow = timetable["member"], timetable["tomorrow"]
    # given: the member logs in through the login page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", member.user.email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("button:has-text('Log in')")
    expect(page.locator("h1")).to_contain_text("Hello, Rafi")

    # when: they open the week's classes (tomorrow may be in next week)
    page.click("text=This week's classes")
    if tomorrow.weekday() == 0:
        page.click("text=Next week")
    day = page.locator("section.day", has=page.locator("h2", has_text=f"{tomorrow:%A} {tomorrow.day} {tomorrow:%b}"))
    expect(day).to_contain_text("3 spots left")
    expect(day).to_contain_text("Full")
    screenshot(page, "01-week-schedule")

    # and open Yoga and book it
    day.locator("a", has_text="Yoga").click()
    expect(page.locator("#spots-left")).to_have_text("3")
    screenshot(page, "02-session-before-booking")
    page.click("button:has-text('Book')")

    # then: booked, and one spot fewer
    expect(page.locator(".messages")).to_contain_text("You are booked: Yoga")
    expect(page.locator("#booking-state")).to_have_text("Booked")
    expect(page.locator("#spots-left")).to_have_text("2")
    screenshot(page, "03-session-booked")

    # when: they open the full HIIT class and join its waitlist
    page.click("text=Back to the week")
    day.locator("a", has_text="HIIT").click()
    expect(page.locator("#spots-left")).to_have_text("None: full")
    page.click("button:has-text('Join waitlist')")

    # then: the place is shown
    expect(page.locator(".messages")).to_contain_text("you are number 1")
    expect(page.locator("#booking-state")).to_have_text("Waitlist #1")
    expect(page.locator("#waitlist-count")).to_have_text("1 waiting")
    screenshot(page, "04-session-waitlisted")

    # and my bookings lists both, on a phone-sized screen too
    page.click("nav >> text=My bookings")
    expect(page.locator(".session", has_text="Yoga")).to_contain_text("Booked")
    expect(page.locator(".session", has_text="HIIT")).to_contain_text("Waitlist #1")
    screenshot(page, "05-my-bookings")
    page.set_viewport_size({"width": 390, "height": 844})
    page.click("nav >> text=Classes")
    if tomorrow.weekday() == 0:
        page.click("text=Next week")
    screenshot(page, "06-week-schedule-phone")
