"""poll_devices with the real pyzk client against the simulator over TCP:
first poll, re-poll, duplicates, errors, back-off and device faults."""

import datetime
import os
import signal
import threading

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from core.attendance.models import CheckIn
from devices.models import Device, Punch
from devices.services import device_poll, devices_poll
from devices.zk import AttendanceRecord, UserRecord, ZKSimulator
from tests.devices.support import closed_port, gym_clock, lapsed_member, paying_member, pull_device, wall

pytestmark = pytest.mark.django_db

USERS = [UserRecord(1, "1", "Ann"), UserRecord(2, "2", "Bob"), UserRecord(3, "3", "Cy")]


@pytest.fixture(autouse=True)
def _short_timeouts(settings):
    # Faults must end in seconds, not the production timeout.
    settings.DEVICE_TIMEOUT = 2.0


def log(*entries):
    return [AttendanceRecord(user_id, when, status=1) for user_id, when in entries]


def sim_with(start_sim, punches, **kwargs):
    kwargs.setdefault("serial_number", "SIM-POLL")
    return start_sim(users=USERS, attendance=punches, clock=gym_clock, **kwargs)


def test_first_poll_stores_every_punch_and_records_check_ins(start_sim):
    # given Ann pays, Bob's membership lapsed, Cy (3) is no member
    ann, bob = paying_member("1"), lapsed_member("2")
    sim = sim_with(start_sim, log(("1", wall(50)), ("2", wall(40)), ("3", wall(30)), ("1", wall(29))))
    device = pull_device(sim)

    # when
    result = device_poll(device=device)

    # then
    assert result.ok, result.error
    assert (result.inserted, result.log_records) == (4, 4)
    results = {(c.member_id, c.biometric_id): (c.result, c.reason) for c in CheckIn.objects.all()}
    assert results == {
        (ann.pk, "1"): ("ALLOWED", ""),
        (bob.pk, "2"): ("DENIED", "EXPIRED"),
        (None, "3"): ("DENIED", "UNKNOWN_ID"),
    }
    assert Punch.objects.filter(device=device, checkin__isnull=True).count() == 0
    device.refresh_from_db()
    assert device.serial_number == "SIM-POLL"  # learnt on first contact
    assert device.last_success_at is not None and device.consecutive_failures == 0
    assert abs(device.clock_drift_seconds) <= 5
    assert device.record_size == 40
    assert sim.enabled is True  # disabled for the read, enabled again
    assert sim.command_names()[-2:] == ["ENABLEDEVICE", "EXIT"]


def test_punch_times_are_device_local_in_the_gyms_time_zone(start_sim):
    # given
    sim = sim_with(start_sim, log(("3", datetime.datetime(2026, 3, 1, 7, 30, 0))))
    device = pull_device(sim)

    # when
    device_poll(device=device)

    # then 07:30 in Dhaka (UTC+6) is 01:30 UTC
    punch = Punch.objects.get()
    assert punch.punched_at == datetime.datetime(2026, 3, 1, 1, 30, tzinfo=datetime.UTC)


def test_a_re_poll_with_one_new_punch_inserts_exactly_one(start_sim):
    # given
    paying_member("1")
    sim = sim_with(start_sim, log(*((str(1 + i % 3), wall(200 - i)) for i in range(60))))
    device = pull_device(sim)
    assert device_poll(device=device).inserted == 60

    # when
    sim.add_attendance("1", wall(1), status=1)
    result = device_poll(device=device)

    # then
    assert (result.inserted, result.read) == (1, 1)  # only the new tail was decoded
    assert Punch.objects.filter(device=device).count() == 61


def test_a_re_poll_without_new_punches_inserts_nothing(start_sim):
    # given
    sim = sim_with(start_sim, log(("1", wall(9)), ("2", wall(8))))
    device = pull_device(sim)
    device_poll(device=device)

    # when
    result = device_poll(device=device)

    # then
    assert result.ok and result.inserted == 0
    assert CheckIn.objects.count() == 2


def test_duplicates_are_ignored_after_a_restart(start_sim):
    # given a first poll, then GymOS restarts without its read position and
    # the device restarts on another port with the same log
    punches = log(("1", wall(30)), ("2", wall(20)))
    first = sim_with(start_sim, punches)
    device = pull_device(first)
    device_poll(device=device)
    first.stop()
    again = sim_with(start_sim, [*punches, *log(("3", wall(5)))])
    Device.objects.filter(pk=device.pk).update(port=again.port, log_records=0, log_tail="")
    device.refresh_from_db()

    # when
    result = device_poll(device=device)

    # then
    assert (result.inserted, result.read) == (1, 3)
    assert Punch.objects.count() == 3
    assert CheckIn.objects.count() == 3


def test_a_cleared_device_log_is_read_from_the_start(start_sim):
    # given
    sim = sim_with(start_sim, log(("1", wall(30)), ("2", wall(20)), ("3", wall(10))))
    device = pull_device(sim)
    device_poll(device=device)

    # when the log is cleared on the device and a punch arrives
    sim.clear_attendance()
    sim.add_attendance("2", wall(1))
    result = device_poll(device=device)

    # then
    assert (result.inserted, result.log_records) == (1, 1)


@pytest.mark.parametrize("mode", ["truncated", "garbage", "drop", "hangup"])
def test_a_broken_reply_is_recorded_and_the_device_re_enabled(start_sim, mode):
    # given
    sim = sim_with(start_sim, log(("1", wall(3))), fail_mode=mode, fail_count=1)
    device = pull_device(sim)

    # when
    result = device_poll(device=device)

    # then
    assert not result.ok
    device.refresh_from_db()
    assert device.last_error and device.consecutive_failures == 1
    assert device.next_poll_after > timezone.now()
    assert Punch.objects.count() == 0
    assert sim.enabled is True

    # and the next poll gets everything
    assert device_poll(device=device).inserted == 1


def test_a_hangup_in_a_chunked_read_does_not_hang(start_sim):
    # given a log bigger than one reply, and a device that hangs up mid-chunk
    sim = sim_with(start_sim, log(*(("1", wall(2000) + datetime.timedelta(seconds=i)) for i in range(2000))))
    sim.set_fault("hangup", on="attendance", count=1)
    device = pull_device(sim)

    # when
    result = device_poll(device=device)

    # then
    assert not result.ok
    assert sim.enabled is True


def test_a_slow_device_times_out(start_sim, settings):
    # given
    settings.DEVICE_TIMEOUT = 0.5
    sim = sim_with(start_sim, log(("1", wall(3))), fail_mode="slow", fail_delay=3.0, fail_count=1)
    device = pull_device(sim)

    # when
    result = device_poll(device=device)

    # then
    assert not result.ok and "timed out" in result.error


def test_a_corrupt_log_is_skipped_record_by_record(start_sim):
    # given every record carries an impossible date
    sim = sim_with(start_sim, log(("1", wall(3)), ("2", wall(2))), fail_mode="corrupt", fail_count=1)
    device = pull_device(sim)

    # when
    result = device_poll(device=device)

    # then nothing crashes, nothing is invented, and the device says why
    assert result.ok and result.bad_records == 2 and result.inserted == 0
    device.refresh_from_db()
    assert "unreadable" in device.last_error
    assert device_poll(device=device).inserted == 2  # the fault is gone: all there


def test_the_wrong_comm_key_is_a_clear_error(start_sim):
    # given
    sim = sim_with(start_sim, log(("1", wall(3))), comm_password=1234)
    device = pull_device(sim, comm_password=4321)

    # when
    result = device_poll(device=device)

    # then
    assert not result.ok
    assert "comm key" in result.error
    assert sim.auth_failures == 1
    assert Punch.objects.count() == 0


def test_the_right_comm_key_works(start_sim):
    # given
    sim = sim_with(start_sim, log(("1", wall(3))), comm_password=1234)
    device = pull_device(sim)

    # when / then
    assert device_poll(device=device).inserted == 1


def test_a_different_device_at_the_address_is_refused(start_sim):
    # given the device was registered under another serial number
    sim = sim_with(start_sim, log(("1", wall(3))), serial_number="NEW-ONE")
    device = pull_device(sim, serial_number="OLD-ONE")

    # when
    result = device_poll(device=device)

    # then
    assert not result.ok and "mismatch" in result.error
    assert Punch.objects.count() == 0
    assert "ATTLOG_RRQ" not in sim.command_names()


def test_an_unreachable_device_does_not_stop_the_others(start_sim):
    # given
    dead = pull_device(name="A dead door", port=closed_port())
    sim = sim_with(start_sim, log(("1", wall(3))))
    alive = pull_device(sim, name="B live door")

    # when
    results = {r.device: r for r in devices_poll()}

    # then
    assert not results[dead.name].ok and "Cannot reach" in results[dead.name].error
    assert results[alive.name].ok and results[alive.name].inserted == 1


def test_failures_back_off_exponentially_and_skip_the_round(settings):
    # given
    settings.DEVICE_POLL_INTERVAL, settings.DEVICE_BACKOFF_MAX_SECONDS = 30, 100
    device = pull_device(port=closed_port())

    # when
    waits = []
    for _ in range(4):
        before = timezone.now()
        devices_poll(names=[device.name])
        device.refresh_from_db()
        waits.append(round((device.next_poll_after - before).total_seconds() / 10) * 10)

    # then
    assert waits == [30, 60, 100, 100]
    assert device.consecutive_failures == 4
    assert devices_poll() == []  # backing off: not due in a plain round


def test_a_clock_years_wrong_is_corrected_and_future_punches_make_no_check_in(start_sim):
    # given a device whose clock runs three years ahead, with one real and one "future" punch
    ahead = datetime.timedelta(days=3 * 365)
    sim = sim_with(start_sim, log(("1", wall(20)), ("1", wall(10) + ahead)))
    sim.set_time(gym_clock() + ahead)
    device = pull_device(sim)

    # when
    result = device_poll(device=device)

    # then both are kept; only the plausible one is a visit; the clock is set right
    assert result.clock_set and result.clock_drift > 3 * 364 * 86400
    assert (result.inserted, result.future) == (2, 1)
    assert CheckIn.objects.count() == 1
    assert abs((sim.device_time() - gym_clock()).total_seconds()) < 5


def test_other_record_sizes_are_read(start_sim):
    # given 8-byte records carry only the device slot; the user list names it
    users = [UserRecord(1, "1001", "Ann"), UserRecord(2, "1002", "Bob")]
    sim = start_sim(users=users, attendance=log(("1001", wall(5)), ("1002", wall(4))), record_size=8, clock=gym_clock)
    device = pull_device(sim)

    # when
    device_poll(device=device)

    # then
    assert sorted(Punch.objects.values_list("device_user_id", flat=True)) == ["1001", "1002"]


def test_command_once_prints_each_device(start_sim, capsys):
    # given
    sim = sim_with(start_sim, log(("1", wall(3))))
    pull_device(sim, name="Front door")
    pull_device(name="Back door", port=closed_port())

    # when
    call_command("poll_devices", "--once")

    # then
    out, err = capsys.readouterr()
    assert "Front door: 1 new punch(es) of 1 on the device" in out
    assert "Back door: FAILED" in err


def test_command_refuses_an_unknown_device_name():
    with pytest.raises(CommandError, match="No active pull device named: Nope"):
        call_command("poll_devices", "--once", "--device", "Nope")


def test_command_stops_cleanly_on_sigterm(start_sim, capsys):
    # given a running poller and a device
    sim = sim_with(start_sim, log(("1", wall(3))))
    pull_device(sim)
    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    timer = threading.Timer(1.0, os.kill, args=(os.getpid(), signal.SIGTERM))

    # when
    timer.start()
    try:
        call_command("poll_devices", "--interval", "0.2")
    finally:
        timer.cancel()
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])

    # then
    assert "Stopped." in capsys.readouterr().out
    assert sim.enabled is True
    assert Punch.objects.count() == 1


def test_the_simulator_module_is_the_device_used():
    # guards the tests above against silently running with a stub
    assert ZKSimulator.__module__ == "devices.zk.simulator"
