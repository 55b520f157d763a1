"""ADMS push over HTTP, with bodies shaped like real firmware sends them."""

import datetime
import logging

import pytest
from django.utils import timezone

from core.attendance.models import CheckIn
from devices.models import DeviceCommand, DeviceUser, Punch
from tests.devices.support import paying_member, pull_device, push_device

pytestmark = pytest.mark.django_db

SN = "CKPJ201960012"


def post(client, query: str, body: bytes, path: str = "/iclock/cdata"):
    # Firmware sends no Content-Type: the view must read the raw body.
    return client.generic("POST", f"{path}?{query}", data=body, content_type="")


def recent(minutes: int) -> str:
    return f"{timezone.localtime() - datetime.timedelta(minutes=minutes):%Y-%m-%d %H:%M:%S}"


def test_handshake_answers_the_options_with_a_date_header(client):
    # given
    push_device(SN)

    # when
    response = client.get("/iclock/cdata", {"SN": SN, "options": "all", "pushver": "2.4.1", "language": "69"})

    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Date"].endswith("GMT")
    lines = response.content.decode().splitlines()
    assert lines[0] == f"GET OPTION FROM: {SN}"
    assert "ATTLOGStamp=None" in lines
    assert "TimeZone=6" in lines  # Asia/Dhaka
    assert {"Delay=10", "TransFlag=1111000000", "Realtime=1"} <= set(lines)


def test_attlog_with_crlf_extra_fields_and_garbage_lines(client, caplog):
    # given
    device = push_device(SN)
    member = paying_member("1001")
    body = (
        f"1001\t{recent(30)}\t0\t1\t0\t0\t0\t255\t0\t0\r\n"  # newer firmware: many extra fields, CRLF
        f"1002\t{recent(20)}\t1\t15\t\t0\r\n"
        "this is not a punch\r\n"
        f"1003\t2026-02-31 08:00:00\t0\t1\r\n"  # impossible date
        f"1001 {recent(10)} 0 1\n"  # spaces instead of tabs
        "\r\n"
    ).encode()

    # when
    with caplog.at_level(logging.WARNING, logger="devices.views"):
        response = post(client, f"SN={SN}&table=ATTLOG&Stamp=9999", body)

    # then
    assert response.status_code == 200
    assert response.content.decode().strip() == "OK: 3"
    assert Punch.objects.filter(device=device).count() == 3
    assert "2 line(s) that are not punches" in caplog.text
    verify_of_1002 = Punch.objects.get(device_user_id="1002")
    assert (verify_of_1002.status, verify_of_1002.verify) == (1, 15)
    checkins = CheckIn.objects.order_by("at")
    assert [(c.member_id, c.result) for c in checkins] == [
        (member.pk, "ALLOWED"),
        (None, "DENIED"),
        (member.pk, "ALLOWED"),  # 20 minutes after the first: a second visit
    ]
    member.refresh_from_db()
    assert member.last_visit_at == checkins[2].at  # kept on the member for the churn report
    device.refresh_from_db()
    assert device.log_tail == "9999"  # the stamp the next handshake hands back


def test_a_resent_attlog_is_stored_once(client):
    # given
    push_device(SN)
    body = f"7\t{recent(5)}\t0\t1\t0\r\n".encode()
    post(client, f"SN={SN}&table=ATTLOG&Stamp=1", body)

    # when the device sends it again (it never saw our OK)
    response = post(client, f"SN={SN}&table=ATTLOG&Stamp=1", body)

    # then
    assert response.content.decode().strip() == "OK: 1"
    assert Punch.objects.count() == 1
    assert CheckIn.objects.count() == 1


def test_times_are_the_device_local_wall_clock(client):
    # given
    push_device(SN)

    # when
    post(client, f"SN={SN}&table=ATTLOG", b"42\t2026-03-01 07:30:00\t0\t1\n")

    # then
    assert Punch.objects.get().punched_at == datetime.datetime(2026, 3, 1, 1, 30, tzinfo=datetime.UTC)


@pytest.mark.parametrize("serial", ["UNKNOWN1", "", "PULL-SN", "OFF-SN"])
def test_only_registered_active_push_devices_are_heard(client, caplog, serial):
    # given a pull device and a switched-off push device are registered too
    pull_device(port=4370, serial_number="PULL-SN")
    push_device("OFF-SN", is_active=False)

    # when
    with caplog.at_level(logging.WARNING, logger="devices.views"):
        handshake = client.get("/iclock/cdata", {"SN": serial, "options": "all"})
        upload = post(client, f"SN={serial}&table=ATTLOG", f"1\t{recent(1)}\t0\t1\n".encode())
        commands = client.get("/iclock/getrequest", {"SN": serial})

    # then
    assert [handshake.status_code, upload.status_code, commands.status_code] == [403, 403, 403]
    assert Punch.objects.count() == 0 and CheckIn.objects.count() == 0
    assert "is not an active push device" in caplog.text


def test_operlog_is_acknowledged(client):
    # given
    push_device(SN)
    body = b"OPLOG 4\t14\t2026-03-01 08:00:00\t0\t0\t0\t0\r\nUSER PIN=12\tName=Ann\tPri=0\tPasswd=\tCard=\tGrp=1\r\n"

    # when
    response = post(client, f"SN={SN}&table=OPERLOG&Stamp=10", body)

    # then
    assert response.content.decode().strip() == "OK: 2"
    assert Punch.objects.count() == 0


def test_a_body_over_the_limit_is_refused(client, settings):
    # given
    settings.ADMS_MAX_BODY_BYTES = 1000
    push_device(SN)
    body = b"".join(f"{i}\t{recent(1)}\t0\t1\n".encode() for i in range(100))

    # when
    response = post(client, f"SN={SN}&table=ATTLOG", body)

    # then
    assert response.status_code == 413
    assert Punch.objects.count() == 0


def test_methods_are_limited(client):
    # given
    push_device(SN)

    # when / then
    assert client.put(f"/iclock/cdata?SN={SN}").status_code == 405
    assert post(client, f"SN={SN}", b"", path="/iclock/getrequest").status_code == 405
    assert client.get("/iclock/devicecmd", {"SN": SN}).status_code == 405


def test_getrequest_hands_out_queued_commands_once_and_devicecmd_confirms(client):
    # given
    device = push_device(SN)
    member = paying_member("55")
    cmd = DeviceCommand.objects.create(
        device=device, command="DATA UPDATE USERINFO PIN=55\tName=Ann\tPrivilege=0", pin="55", intent="ENABLED",
        member=member,
    )  # fmt: skip

    # when
    first = client.get("/iclock/getrequest", {"SN": SN, "INFO": "Ver 8.0.4.3-20210428,2,1,0,192.168.1.201"})
    second = client.get("/iclock/getrequest", {"SN": SN})
    ack = post(client, f"SN={SN}", f"ID={cmd.pk}&Return=0&CMD=DATA\n".encode(), path="/iclock/devicecmd")

    # then
    assert first.content.decode() == f"C:{cmd.pk}:DATA UPDATE USERINFO PIN=55\tName=Ann\tPrivilege=0\n"
    assert second.content.decode().strip() == "OK"
    assert ack.content.decode().strip() == "OK"
    cmd.refresh_from_db()
    assert (cmd.status, cmd.return_code) == ("DONE", 0)
    assert cmd.sent_at and cmd.acknowledged_at
    assert DeviceUser.objects.get(device=device, user_id="55").state == "ENABLED"
    device.refresh_from_db()
    assert device.firmware_version == "Ver 8.0.4.3-20210428"


def test_a_failed_command_is_recorded(client):
    # given
    device = push_device(SN)
    cmd = DeviceCommand.objects.create(device=device, command="DATA DELETE USERINFO PIN=9", pin="9", intent="REMOVED")
    client.get("/iclock/getrequest", {"SN": SN})

    # when
    post(client, f"SN={SN}", f"ID={cmd.pk}&Return=-1002&CMD=DATA".encode(), path="/iclock/devicecmd")

    # then
    cmd.refresh_from_db()
    assert (cmd.status, cmd.return_code) == ("FAILED", -1002)
    assert not DeviceUser.objects.exists()


def test_commands_of_another_device_are_not_confirmed(client):
    # given
    other = push_device("OTHER-SN")
    push_device(SN)
    cmd = DeviceCommand.objects.create(device=other, command="DATA DELETE USERINFO PIN=9", pin="9")

    # when
    post(client, f"SN={SN}", f"ID={cmd.pk}&Return=0".encode(), path="/iclock/devicecmd")

    # then
    cmd.refresh_from_db()
    assert cmd.status == "QUEUED"
