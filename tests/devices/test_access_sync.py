"""Access sync: the door device itself refuses lapsed members. Pull devices
are changed over TCP (real pyzk against the simulator); push devices get
queued ADMS commands."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.members.retention import member_purge
from core.memberships.freezes import freeze_create
from core.memberships.services import membership_renew
from devices.access import devices_access_sync
from devices.models import DeviceCommand, DeviceUser
from devices.zk import UserRecord
from jobs.schedules import JOBS
from jobs.tasks.devices import sync_device_access_task
from tests.core.members.builders import days
from tests.devices.support import gym_clock, lapsed_member, paying_member, pull_device, push_device

pytestmark = pytest.mark.django_db


def device_users(sim):
    return {u.user_id: u.privilege for u in sim.users}


def enrolled(*user_ids, admin=()):
    return [
        UserRecord(i + 1, user_id, f"User {user_id}", privilege=14 if user_id in admin else 0)
        for i, user_id in enumerate(user_ids)
    ]


@pytest.fixture
def door(start_sim):
    """A pull device with members 1 (paying), 2 (lapsed), 3 (staff, no member), 4 (admin, lapsed member)."""

    def _door(user_record_size=72):
        sim = start_sim(
            users=enrolled("1", "2", "3", "4", admin={"4"}), clock=gym_clock, user_record_size=user_record_size
        )
        return sim, pull_device(sim)

    return _door


@pytest.mark.parametrize("user_record_size", [72, 28])
def test_a_lapsed_member_is_disabled_and_enabled_again_after_renewal(door, user_record_size):
    # given
    paying_member("1")
    bob = lapsed_member("2")
    lapsed_member("4")
    sim, device = door(user_record_size)

    # when
    (report,) = devices_access_sync()

    # then Bob is disabled (privilege bit 0), everyone else untouched
    assert report.ok, report.error
    assert [(c.user_id, c.state) for c in report.changes] == [("2", "DISABLED")]
    assert device_users(sim) == {"1": 0, "2": 1, "3": 0, "4": 14}
    assert sim.user("2").name == "User 2"  # the rest of the record kept
    assert sim.enabled is True

    # when Bob renews
    membership_renew(member=bob)
    (report,) = devices_access_sync()

    # then
    assert [(c.user_id, c.state) for c in report.changes] == [("2", "ENABLED")]
    assert device_users(sim)["2"] == 0
    assert DeviceUser.objects.get(device=device, user_id="2").state == "ENABLED"


def test_a_frozen_member_is_disabled(door):
    # given
    today = timezone.localdate()
    ann = paying_member("1")
    freeze_create(membership=ann.memberships.get(), starts_on=today, ends_on=today + days(7), reason="Travel")
    sim, _device = door()

    # when
    devices_access_sync()

    # then
    assert device_users(sim)["1"] == 1


def test_a_purged_member_is_removed_from_the_device(door):
    # given Bob was seen on the device as a member, then his data was purged
    bob = lapsed_member("2")
    sim, _device = door()
    devices_access_sync()
    member_purge(member=bob)

    # when
    (report,) = devices_access_sync()

    # then
    assert [(c.user_id, c.state) for c in report.changes] == [("2", "REMOVED")]
    assert sim.user("2") is None
    assert sim.user("3") is not None  # not a member: never touched


def test_dry_run_changes_nothing(door, capsys):
    # given
    lapsed_member("2")
    sim, _device = door()
    before = device_users(sim)

    # when
    call_command("sync_device_access", "--dry-run")

    # then
    out = capsys.readouterr().out
    assert "disable user 2" in out and "dry run" in out
    assert device_users(sim) == before
    assert "USER_WRQ" not in sim.command_names()
    assert not DeviceUser.objects.exists()


def test_an_unreachable_device_is_reported_and_the_others_synced(door, capsys):
    # given
    lapsed_member("2")
    sim, _device = door()
    pull_device(name="A broken door", port=1)

    # when
    call_command("sync_device_access")

    # then
    out, err = capsys.readouterr()
    assert "A broken door: FAILED" in err
    assert device_users(sim)["2"] == 1


def test_push_devices_get_queued_commands_once(client):
    # given
    device = push_device("PUSH-1")
    paying_member("1", first_name="Ann")
    lapsed_member("2", first_name="Bob")

    # when synced twice before the device fetched anything
    devices_access_sync()
    devices_access_sync()

    # then one command per member
    commands = list(DeviceCommand.objects.filter(device=device).order_by("pin").values_list("pin", "command", "status"))
    assert commands == [
        ("1", "DATA UPDATE USERINFO PIN=1\tName=Ann\tPrivilege=0", "QUEUED"),
        ("2", "DATA UPDATE USERINFO PIN=2\tName=Bob\tPrivilege=1", "QUEUED"),
    ]

    # when the device fetches and confirms them, then a sync has nothing to do
    fetched = client.get("/iclock/getrequest", {"SN": "PUSH-1"}).content.decode().splitlines()
    ids = [line.split(":")[1] for line in fetched]
    body = "\n".join(f"ID={i}&Return=0&CMD=DATA" for i in ids).encode()
    client.generic("POST", "/iclock/devicecmd?SN=PUSH-1", data=body, content_type="")
    (report,) = devices_access_sync()

    # then
    assert report.changes == []
    assert dict(DeviceUser.objects.values_list("user_id", "state")) == {"1": "ENABLED", "2": "DISABLED"}


def test_push_purge_queues_a_delete(client):
    # given a member confirmed enabled on a push device, then purged
    device = push_device("PUSH-2")
    ann = paying_member("1")
    DeviceUser.objects.create(device=device, user_id="1", member=ann, state="ENABLED")
    member_purge(member=ann)

    # when
    devices_access_sync()

    # then
    assert list(DeviceCommand.objects.values_list("command", flat=True)) == ["DATA DELETE USERINFO PIN=1"]


def test_push_dry_run_queues_nothing(capsys):
    # given
    push_device("PUSH-3")
    lapsed_member("2")

    # when
    call_command("sync_device_access", "--dry-run")

    # then
    assert "disable user 2 (M0" in capsys.readouterr().out
    assert not DeviceCommand.objects.exists()


def test_the_nightly_job_syncs_every_device(door):
    # given
    lapsed_member("2")
    sim, device = door()

    # when
    outcome = sync_device_access_task()

    # then
    assert outcome == {device.name: 1}
    assert device_users(sim)["2"] == 1
    job = next(j for j in JOBS if j.name == "device-access-sync")
    assert job.func == "jobs.tasks.devices.sync_device_access_task"
