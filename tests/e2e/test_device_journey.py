"""The door in a real browser: the ZKTeco simulator listens on a free loopback
port and is registered as a Device; a member's fingerprint punch is added to
it, `poll_devices --once` reads it with the real pyzk client, and the admin's
live check-in view shows the check-in: ALLOWED for a paying member, DENIED
(membership expired) for a lapsed one. Screenshots go to test-artifacts/e2e/.

The "Who is in now" panel refreshes itself (static/js/live_refresh.js, every
CHECKIN_LIVE_REFRESH_SECONDS, one second here): the test waits for each punch
to appear without reloading, then reloads once to read the check-in list.
"""

import contextlib
import io
import signal

import pytest
from django.core.management import call_command
from playwright.sync_api import Locator, Page, expect

from core.attendance.models import CheckIn
from devices.zk import UserRecord, ZKSimulator
from fixtures.factories import AdminFactory
from tests.devices.support import gym_clock, lapsed_member, paying_member, pull_device
from tests.e2e.stack import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WHO_IS_IN_NOW = "/admin/attendance/checkin/?when=today"  # the sidebar's "Who is in now"


@pytest.fixture
def door(settings):
    """A simulated fingerprint device (Nadia is 101, Karim 102) registered as the front door."""
    settings.DEVICE_TIMEOUT = 5.0  # a broken poll fails in seconds, not the production 10 s
    settings.CHECKIN_LIVE_REFRESH_SECONDS = 1  # the live_server thread reads the same settings
    users = [UserRecord(1, "101", "Nadia"), UserRecord(2, "102", "Karim")]
    with ZKSimulator(serial_number="SIM-E2E", users=users, clock=gym_clock) as sim:
        pull_device(sim, name="Front door")
        yield sim


@contextlib.contextmanager
def _own_signal_handlers():
    # poll_devices installs SIGTERM/SIGINT handlers on the main thread (pytest's here): put pytest's back.
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def poll_once() -> str:
    """`manage.py poll_devices --once`, as cron runs it, in this process (a subprocess costs seconds)."""
    out, err = io.StringIO(), io.StringIO()
    with _own_signal_handlers():
        call_command("poll_devices", "--once", stdout=out, stderr=err)
    assert not err.getvalue(), err.getvalue()
    return out.getvalue()


def punch_and_poll(sim: ZKSimulator, member) -> None:
    """The member's finger on the reader now (device-local wall time: still today for the live
    view's counts), then one poll of the device."""
    sim.add_attendance(member.biometric_id, gym_clock().replace(microsecond=0))
    assert f"Front door: 1 new punch(es) of {sim.attendance_count} on the device" in poll_once()


def rows_of(page: Page, member) -> Locator:
    return page.locator("#result_list tbody tr").filter(has_text=member.code)


def test_punches_show_in_the_live_view_allowed_and_denied(page, live_server, door, screenshot):
    # given: a paying member, a lapsed one, and the front desk's live view open
    nadia, karim = paying_member("101", first_name="Nadia"), lapsed_member("102", first_name="Karim")
    login(page, live_server.url, AdminFactory(first_name="Ada").email, next_url=WHO_IS_IN_NOW)
    expect(page.locator("h2", has_text="Who is in now")).to_have_text("Who is in now: 0")
    expect(page.get_by_text("Nobody has come in recently.")).to_be_visible()
    screenshot(page, "10-01-live-view-empty")

    # when: Nadia punches and the device is polled
    punch_and_poll(door, nadia)

    # then: without a reload, the panel shows her let in and present
    latest = page.locator("li.latest-checkin")
    expect(latest.first).to_contain_text(f"{nadia} · let in")
    expect(page.locator("li.who-is-in")).to_contain_text(str(nadia))
    expect(page.get_by_text("Today: 1 let in, 0 refused")).to_be_visible()
    screenshot(page, "10-02-live-view-allowed")

    # when: Karim, whose membership lapsed, punches and the device is polled again
    punch_and_poll(door, karim)

    # then: the panel shows him refused with the reason, not present
    expect(latest.first).to_contain_text(f"{karim} · refused: membership expired")
    expect(page.get_by_text("Today: 1 let in, 1 refused")).to_be_visible()
    expect(page.locator("li.who-is-in")).to_have_count(1)
    screenshot(page, "10-03-live-view-denied")

    # and: the check-in list (read on reload) has both, with their results
    page.reload()
    expect(rows_of(page, nadia)).to_contain_text("Allowed")
    expect(rows_of(page, nadia)).to_contain_text("Fingerprint device")
    expect(rows_of(page, karim)).to_contain_text("Denied")
    expect(rows_of(page, karim)).to_contain_text("Membership expired")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    screenshot(page, "10-04-check-in-list")
    results = dict(CheckIn.objects.values_list("member__code", "result"))
    assert results == {nadia.code: CheckIn.Result.ALLOWED, karim.code: CheckIn.Result.DENIED}
