"""The device and check-in pages of the admin: health, the write-only comm
key, the live view and the desk check-in."""

import datetime

import pytest
from django.utils import timezone

from core.attendance.models import CheckIn
from core.attendance.services import PunchIn, checkins_record_punches
from devices.ingest import RawPunch, punches_ingest
from devices.models import Device
from tests.devices.support import gym_clock, paying_member, pull_device, push_device

pytestmark = pytest.mark.django_db


def test_device_list_shows_health_and_never_the_comm_key(client_for, admin_user):
    # given a device with a comm key, two punches today, a recent error and a drifting clock
    device = pull_device(name="Front door", port=4370, comm_password=987654)
    punches_ingest(device=device, punches=[RawPunch("1", gym_clock()), RawPunch("2", gym_clock())])
    Device.objects.filter(pk=device.pk).update(
        last_error="Cannot reach the device", last_error_at=timezone.now(), consecutive_failures=3,
        clock_drift_seconds=-400,
    )  # fmt: skip
    client = client_for(admin_user)

    # when
    listing = client.get("/admin/devices/device/").content.decode()
    page = client.get(f"/admin/devices/device/{device.pk}/change/").content.decode()
    history = client.get(f"/admin/devices/device/{device.pk}/history/").content.decode()

    # then
    assert "Front door" in listing and "Failing (3x)" in listing and "Cannot reach the device" in listing
    assert "-400 s" in listing
    assert ">2<" in listing.replace(" ", "")  # punches today
    for html in (listing, page, history):
        assert "987654" not in html


def test_admin_adds_a_device_and_an_empty_comm_key_keeps_the_old_one(client_for, admin_user):
    # given
    client = client_for(admin_user)
    fields = {"name": "Back door", "mode": "PULL", "host": "10.0.0.9", "port": "4370", "serial_number": "",
              "time_zone": "", "sync_clock": "on", "is_active": "on"}  # fmt: skip

    # when
    added = client.post("/admin/devices/device/add/", {**fields, "new_comm_password": "1234"})
    device = Device.objects.get(name="Back door")
    changed = client.post(f"/admin/devices/device/{device.pk}/change/", {**fields, "port": "4371"})

    # then
    assert added.status_code == changed.status_code == 302
    device.refresh_from_db()
    assert (device.port, device.comm_password) == (4371, 1234)
    assert device.history.count() == 2


def test_a_push_device_needs_its_serial_number(client_for, admin_user):
    # given
    client = client_for(admin_user)

    # when
    response = client.post(
        "/admin/devices/device/add/",
        {"name": "Lobby", "mode": "PUSH", "host": "", "port": "4370", "serial_number": "", "time_zone": ""},
    )

    # then
    assert response.status_code == 200
    assert "recognised by its serial number" in response.content.decode()
    assert not Device.objects.exists()


def test_live_view_shows_who_is_in_now_and_todays_check_ins(client_for, support_user):
    # given
    ann = paying_member("1", first_name="Annabel")
    checkins_record_punches(punches=[PunchIn("1", timezone.now() - datetime.timedelta(minutes=5))])
    checkins_record_punches(punches=[PunchIn("404", timezone.now() - datetime.timedelta(minutes=3))])

    # when
    html = client_for(support_user).get("/admin/attendance/checkin/?when=today").content.decode()

    # then
    assert "Who is in now: 1" in html
    assert "1 let in, 1 refused" in html
    assert ann.code in html and "Unknown ID" in html


def test_live_panel_refreshes_itself_from_a_fragment_staff_only(client_for, support_user, member_user, settings):
    # given
    settings.CHECKIN_LIVE_REFRESH_SECONDS = 7
    paying_member("1", first_name="Annabel")
    checkins_record_punches(punches=[PunchIn("404", timezone.now() - datetime.timedelta(minutes=3))])
    client = client_for(support_user)
    # when
    page = client.get("/admin/attendance/checkin/").content.decode()
    fragment = client.get("/admin/attendance/checkin/live/")
    # then: the page points its panel at the fragment; the fragment is the panel alone
    assert 'data-refresh-url="/admin/attendance/checkin/live/"' in page
    assert 'data-refresh-seconds="7"' in page
    assert "js/live_refresh.js" in page
    body = fragment.content.decode()
    assert fragment.status_code == 200
    assert "Who is in now: 0" in body
    assert "Unknown ID 404" in body and "refused: unknown fingerprint" in body.lower()
    assert "<html" not in body
    # and: anyone who is not staff never gets it
    client.logout()
    assert client.get("/admin/attendance/checkin/live/").status_code == 302
    client.force_login(member_user)
    refused = client.get("/admin/attendance/checkin/live/", follow=True)
    assert refused.redirect_chain[-1][0] == "/portal/member/"
    assert "Who is in now" not in refused.content.decode()


def test_support_checks_a_member_in_at_the_desk(client_for, support_user):
    # given
    ann = paying_member("7")
    client = client_for(support_user)

    # when
    page = client.get("/admin/attendance/checkin/manual/")
    done = client.post("/admin/attendance/checkin/manual/", {"member": ann.code, "note": "Forgot finger"}, follow=True)
    again = client.post("/admin/attendance/checkin/manual/", {"member": "7"})

    # then
    assert page.status_code == 200
    assert "checked in" in done.content.decode()
    checkin = CheckIn.objects.get()
    assert (checkin.member, checkin.source, checkin.created_by) == (ann, "MANUAL", support_user)
    assert again.status_code == 200 and "already checked in" in again.content.decode()


def test_desk_check_in_of_an_unknown_member_is_a_form_error(client_for, support_user):
    # when
    response = client_for(support_user).post("/admin/attendance/checkin/manual/", {"member": "M99999"})

    # then
    assert "No member with the code" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_punches_and_commands_are_read_only_lists(client_for, admin_user):
    # given
    device = push_device("SN-RO")
    punches_ingest(device=device, punches=[RawPunch("1", gym_clock())])
    client = client_for(admin_user)

    # when / then
    assert client.get("/admin/devices/punch/").status_code == 200
    assert client.get("/admin/devices/devicecommand/").status_code == 200
    assert client.get("/admin/devices/punch/add/").status_code == 403
