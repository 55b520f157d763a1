"""A trainer's leave in a real browser, end to end: the trainer applies in the
portal for a day holding two of their classes (each with booked members);
an admin, in the admin, reassigns one class to a free trainer, cancels the
other and approves; a real django-q2 worker (`manage.py qcluster`) delivers
the members' and the trainer's emails to an SMTP server on loopback
(aiosmtpd); the trainer then sees the decision in the portal. Screenshots go
to test-artifacts/e2e/.

The test data is built while tasks still run inline (the booking emails go to
locmem); only then is queued work sent to the database broker, so the SMTP
server receives exactly what the leave steps sent.
"""

import datetime
from collections import Counter
from email.header import decode_header, make_header

import pytest
from django.utils import timezone
from django_q.conf import Conf
from playwright.sync_api import expect

from core.classes.rules import when
from core.notifications.whatsapp.simulator import wait_for
from fixtures.factories import AdminFactory
from tests.core.classes.builders import local, make_class_type, make_plan
from tests.core.staff.builders import booked_members, class_at, trainer_profile
from tests.e2e.stack import login
from tests.support.smtp import smtp_server
from tests.support.worker import STARTUP_TIMEOUT, worker

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def timetable():
    """Tomorrow (gym time) Tanvir teaches Yoga at 10:00 and HIIT at 17:00, two
    members booked on each; Nusrat teaches nothing then."""
    plan = make_plan(name="Monthly")
    tanvir, nusrat = trainer_profile("Tanvir"), trainer_profile("Nusrat")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    yoga = class_at(tanvir.user, local(tomorrow, 10), class_type=make_class_type(title="Yoga", plans=(plan,)))
    hiit = class_at(tanvir.user, local(tomorrow, 17), class_type=make_class_type(title="HIIT", plans=(plan,)))
    return {
        "tanvir": tanvir.user,
        "nusrat": nusrat.user,
        "admin": AdminFactory(first_name="Ada"),
        "tomorrow": tomorrow,
        "yoga": yoga,
        "hiit": hiit,
        "yoga_members": booked_members(yoga, plan, name="Rafi"),
        "hiit_members": booked_members(hiit, plan, name="Mitu"),
    }


def test_a_trainers_leave_is_decided_in_the_admin_and_everyone_is_told(
    page, live_server, timetable, screenshot, tmp_path, monkeypatch
):
    t = timetable
    tanvir, yoga, hiit, day = t["tanvir"], t["yoga"], t["hiit"], t["tomorrow"]
    with smtp_server() as smtp, worker(tmp_path, smtp, workers=1) as cluster:
        # given: a running worker (it starts while the trainer applies) taking queued work from the database
        monkeypatch.setattr(Conf, "SYNC", False)
        cluster.start()

        # when: the trainer applies for leave covering tomorrow's two classes
        login(page, live_server.url, tanvir.email)
        expect(page.locator("h1")).to_have_text("Hello, Tanvir")
        screenshot(page, "09-01-trainer-schedule")
        page.click("nav >> text=Leave")
        page.fill("#id_starts_at", f"{day:%Y-%m-%d}T08:00")
        page.fill("#id_ends_at", f"{day:%Y-%m-%d}T20:00")
        page.fill("#id_reason", "Sister's wedding")
        page.click("button:has-text('Request leave')")

        # then: the request is pending, with both classes waiting for the gym's decision
        expect(page.locator(".messages")).to_contain_text("It touches 2 of your classes")
        request_row = page.locator("tr", has_text="Sister's wedding")
        expect(request_row).to_contain_text("Pending")
        expect(request_row).to_contain_text("2 classes waiting for a decision")
        screenshot(page, "09-02-trainer-leave-requested")

        # when: an admin opens the request in the admin
        page.context.clear_cookies()
        login(page, live_server.url, t["admin"].email, next_url="/admin/staff/leaverequest/")
        page.locator("#result_list tbody tr", has_text="Tanvir").locator("a").first.click()
        expect(page.get_by_text("2 classes still need a decision before this leave can be approved.")).to_be_visible()
        screenshot(page, "09-03-admin-leave-request")

        # and reassigns Yoga to Nusrat (the only free trainer offered)
        page.locator("tr", has_text="Yoga").get_by_role("link", name="Reassign").click()
        expect(page.locator("#id_instructor option")).to_have_text(["Choose a trainer", t["nusrat"].full_name])
        page.select_option("#id_instructor", value=str(t["nusrat"].pk))
        screenshot(page, "09-04-admin-reassign")
        page.get_by_role("button", name="Reassign").click()
        expect(page.get_by_text("Done: 1 class changed.")).to_be_visible()

        # and cancels HIIT with the suggested reason
        page.locator("tr", has_text="HIIT").get_by_role("link", name="Cancel").click()
        expect(page.locator("#id_reason")).to_have_value("The instructor is on leave.")
        page.get_by_role("button", name="Cancel the class").click()
        expect(page.get_by_text("No class to come falls inside this leave: it can be approved.")).to_be_visible()

        # and approves the leave with a note
        page.get_by_role("link", name="Approve").click()
        page.fill("#id_note", "Enjoy the wedding!")
        page.get_by_role("button", name="Approve").click()
        expect(page.get_by_text("Leave approved; the trainer is told.")).to_be_visible()
        screenshot(page, "09-05-admin-leave-approved")

        # then: the worker delivers each affected member's email and the trainer's, through SMTP
        expected = Counter(
            {(m.user.email, f"New instructor: Yoga on {when(yoga.starts_at)}"): 1 for m in t["yoga_members"]}
            | {(m.user.email, f"Cancelled: HIIT on {when(hiit.starts_at)}"): 1 for m in t["hiit_members"]}
            | {(tanvir.email, f"Leave approved: {_span(day)}"): 1}
        )
        delivered = wait_for(lambda: len(smtp.received) >= len(expected), timeout=STARTUP_TIMEOUT + 20, interval=0.2)
        assert delivered, f"{len(smtp.received)} of {len(expected)} emails arrived; worker log:\n{cluster.log()}"
        received = Counter((m.rcpt_tos[0], _subject(m.message)) for m in smtp.received)
        assert received == expected

    # when: the trainer looks at their leave in the portal
    page.context.clear_cookies()
    login(page, live_server.url, tanvir.email, next_url="/portal/trainer/leave/")

    # then: approved, with the admin's note; Yoga is no longer theirs and HIIT shows cancelled
    request_row = page.locator("tr", has_text="Sister's wedding")
    expect(request_row).to_contain_text("Approved")
    expect(request_row).to_contain_text("Enjoy the wedding!")
    expect(request_row).not_to_contain_text("waiting for a decision")
    screenshot(page, "09-06-trainer-leave-approved")
    page.click("nav >> text=Schedule")
    schedule = page.locator("table tbody")
    expect(schedule.locator("tr", has_text="HIIT")).to_contain_text("Cancelled")
    expect(schedule).not_to_contain_text("Yoga")
    screenshot(page, "09-07-trainer-schedule-after")


def _span(day: datetime.date) -> str:
    """The leave as the trainer's email names it: “Mon 23 Nov 2026, 08:00 – Mon 23 Nov 2026, 20:00”."""
    start, end = local(day, 8), local(day, 20)
    return f"{start:%a} {start.day} {start:%b %Y, %H:%M} – {end:%a} {end.day} {end:%b %Y, %H:%M}"


def _subject(message) -> str:
    """The Subject header decoded (a non-ASCII one arrives RFC 2047-encoded and folded)."""
    return str(make_header(decode_header(message["Subject"])))
