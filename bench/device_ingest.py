"""Device ingest: a 100,000-punch log read from the simulator on the first poll, then a re-poll with one new punch.

    DATABASE_URL=postgres://.../gymos_bench_devices .venv/bin/python bench/device_ingest.py --punches 100000

The simulated device runs in a child process (so its copy of the log does not
count towards the poller's memory) and is read over loopback TCP by the real
poller: pyzk for the session, one buffered read, the single-pass decoder, the
ingest (new punches + check-ins judged against N members' memberships).
Prints seconds and peak RSS of the poller process. Everything the poll wrote
is removed afterwards unless --commit. The database must be migrated.
Targets (issue 8): first poll of 100,000 punches under 30 s; re-poll inserts exactly 1.
"""

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

# The device: demo users 1..N, the punches spread over the last days, device
# time = the gym's wall clock; "add <id>" on stdin records a punch now.
SIMULATOR = """
import sys, datetime, zoneinfo
from devices.zk.demo import demo_punches, demo_users
from devices.zk.simulator import ZKSimulator
users, punches, days, record_size = (int(a) for a in sys.argv[1:5])
tz = sys.argv[5]
clock = lambda: datetime.datetime.now(zoneinfo.ZoneInfo(tz)).replace(tzinfo=None)
people = demo_users(users)
log = demo_punches(punches, [u.user_id for u in people], end=clock() - datetime.timedelta(minutes=5), days=days)
sim = ZKSimulator(serial_number="BENCH-" + sys.argv[6], users=people, attendance=log, record_size=record_size,
                  clock=clock, record_capacity=max(punches + 10, 100000)).start()
print(sim.port, flush=True)
for line in sys.stdin:
    if line.startswith("add "):
        sim.add_attendance(line.split()[1], clock())
        print("ok", flush=True)
sim.stop()
"""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(message)


def memory_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # Linux: VmHWM := VmRSS
        return True
    except OSError:
        return False


BENCH_PLAN = "Bench Door Plan"


def bench_codes(n: int) -> list[str]:
    return [f"BD{i:06d}" for i in range(1, n + 1)]


def make_members(n: int, days: int) -> None:
    """N members enrolled as 1..N, four in five with a term covering the whole
    log; removed again by clean_up (left behind, they were the newest members
    and the renewals scenario picked them: no login, so no receipt email)."""
    import datetime

    from django.utils import timezone

    from core.members.models import Member
    from core.memberships.models import Membership, Plan

    plan, _ = Plan.objects.get_or_create(name=BENCH_PLAN, defaults={"price": "1500.00"})
    codes = bench_codes(n)
    existing = set(Member.all_objects.filter(code__in=codes).values_list("code", flat=True))
    Member.all_objects.exclude(code__in=codes).filter(biometric_id__in=[str(i) for i in range(1, n + 1)]).update(
        biometric_id=None
    )
    Member.all_objects.bulk_create(
        Member(code=code, biometric_id=str(i), status=Member.Status.ACTIVE)
        for i, code in enumerate(codes, start=1)
        if code not in existing
    )
    members = list(Member.all_objects.filter(code__in=codes).order_by("code"))
    Membership.objects.filter(member__in=members, plan=plan).delete()
    today = timezone.localdate()
    Membership.objects.bulk_create(
        Membership(
            member=m, plan=plan, starts_on=today - datetime.timedelta(days=days + 1), ends_on=today, price=plan.price
        )
        for i, m in enumerate(members)
        if i % 5
    )


def clean_up(device, n: int) -> None:
    """Remove what the run wrote, its members and their terms included, so the
    data set the other scenarios read stays as generated."""
    from django.db import transaction

    from core.attendance.models import CheckIn
    from core.members.models import Member
    from core.memberships.models import Membership, Plan
    from devices.models import Device, Punch

    with transaction.atomic():
        checkins = list(Punch.objects.filter(device=device).values_list("checkin_id", flat=True).distinct())
        Punch.objects.filter(device=device).delete()
        CheckIn.objects.filter(pk__in=checkins).delete()
        Device.history.filter(id=device.pk).delete()
        Device.objects.filter(pk=device.pk).delete()
        members = Member.all_objects.filter(code__in=bench_codes(n))
        Membership.objects.filter(member__in=members).delete()
        Member.history.filter(code__in=bench_codes(n)).delete()
        members.delete()
        Plan.history.filter(name=BENCH_PLAN).delete()
        Plan.objects.filter(name=BENCH_PLAN).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--punches", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--days", type=int, default=90, help="the log spans this many days")
    parser.add_argument("--record-size", type=int, choices=(8, 16, 40), default=40)
    parser.add_argument("--pyzk", action="store_true", help="also time pyzk's own get_attendance() on the same log")
    parser.add_argument("--commit", action="store_true", help="keep what the polls wrote")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import transaction

    from core.attendance.models import CheckIn
    from core.common.actors import system_actor
    from devices.models import Device
    from devices.services import device_poll

    run = uuid.uuid4().hex[:8]
    sim = subprocess.Popen(
        [sys.executable, "-c", SIMULATOR, str(args.users), str(args.punches), str(args.days),
         str(args.record_size), settings.TIME_ZONE, run],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    figures = {}
    try:
        port = int(sim.stdout.readline())
        if args.pyzk:
            from devices.client import GuardedZK

            zk = GuardedZK("127.0.0.1", port=port, timeout=60, ommit_ping=True)
            conn = zk.connect()
            started = time.perf_counter()
            figures["pyzk_get_attendance_s"] = (len(conn.get_attendance()), time.perf_counter() - started)
            conn.disconnect()
        with system_actor():
            with transaction.atomic():
                make_members(args.users, args.days)
                device = Device(name=f"Bench {run}", host="127.0.0.1", port=port, mode=Device.Mode.PULL)
                device.full_clean()
                device.save()
            try:
                figures["rss_before_mb"] = memory_kb("VmRSS") / 1024
                peak_reset = reset_peak_rss()
                # Each poll commits as in production (deferred foreign-key checks included).
                started = time.perf_counter()
                first = device_poll(device=device)
                figures["first_poll_s"] = time.perf_counter() - started
                figures["peak_rss_mb"] = memory_kb("VmHWM") / 1024
                figures["peak_is_poll_only"] = peak_reset
                check(first.ok, f"first poll failed: {first.error}")
                figures["first"] = first
                figures["checkins"] = CheckIn.objects.filter(punches__device=device).distinct().count()

                sim.stdin.write("add 1\n")
                sim.stdin.flush()
                check(sim.stdout.readline().strip() == "ok", "the simulator did not add the punch")
                device.refresh_from_db()
                started = time.perf_counter()
                again = device_poll(device=device)
                figures["repoll_s"] = time.perf_counter() - started
                check(again.ok, f"re-poll failed: {again.error}")
                figures["again"] = again
            finally:
                if not args.commit:
                    clean_up(device, args.users)
    finally:
        sim.stdin.close()
        sim.wait(timeout=30)

    first, again = figures["first"], figures["again"]
    print(
        f"punches={args.punches} users={args.users} days={args.days} record_size={args.record_size} "
        f"first_poll_s={figures['first_poll_s']:.2f} inserted={first.inserted} checkins={figures['checkins']} "
        f"rss_before_mb={figures['rss_before_mb']:.0f} peak_rss_mb={figures['peak_rss_mb']:.0f}"
        f"{'' if figures['peak_is_poll_only'] else ' (process peak)'} "
        f"repoll_s={figures['repoll_s']:.2f} repoll_inserted={again.inserted} repoll_decoded={again.read}"
    )
    if "pyzk_get_attendance_s" in figures:
        count, seconds = figures["pyzk_get_attendance_s"]
        print(f"pyzk get_attendance(): {count} records in {seconds:.2f} s (for comparison; not used by the poller)")


if __name__ == "__main__":
    main()
