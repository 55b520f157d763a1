"""A small gym with known numbers, for the dashboard and report tests.

The clock stands at Wednesday 15 April 2026, 10:00 gym time. Rows are written
directly (with the dates the numbers depend on) rather than through the
services: what is tested here is how the reports count, and every expected
number in the tests is worked out by hand from the table below.

Members (joined, status, memberships):
  A  joined 2026-01-10  ACTIVE    Monthly 02-01..02-28, 03-01..03-31 (renewal), 04-01..04-30 (renewal)
  B  joined 2026-04-03  ACTIVE    Weekly 04-03..04-20 (1400 a week)
  C  joined 2025-06-01  ACTIVE    Monthly 03-23..04-22, renewed 04-23..05-22
  D  joined 2025-01-01  INACTIVE  Monthly 03-02..04-01 (lapsed)
  E  joined 2025-01-01  INACTIVE  Monthly 02-11..03-10 (lapsed)
  F  joined 2026-04-02  ACTIVE    Monthly 04-01..04-18, but the member is soft-deleted
  G  joined 2026-04-10  INACTIVE  only a CANCELLED membership 04-01..04-30
  I  joined 2025-04-24  ACTIVE    Yearly 2025-04-24..2026-04-23 (36500 a year)
  K  joined 2026-03-01  ACTIVE    Monthly 04-10..05-09, never checked in
"""

import datetime
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from core.attendance.models import CheckIn
from core.attendance.services import members_note_visits
from core.billing.models import Invoice, Payment
from core.classes.models import Booking, ClassSession, ClassType, Room
from core.inventory.models import SKU, Product
from core.leads.models import Lead
from core.members.models import Member
from core.memberships.models import Membership, Plan
from core.support.models import Ticket
from fixtures.factories import AdminFactory, MemberUserFactory, SupportFactory, TrainerUserFactory

TODAY = datetime.date(2026, 4, 15)
_seq = itertools.count(1)


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def day(month: int, dom: int, year: int = 2026) -> datetime.date:
    return datetime.date(year, month, dom)


NOW = local(TODAY, 10)


class Clock:
    """Stands still at ``now``; timezone.now() (auto_now fields, history dates, localdate) reads it."""

    def __init__(self, monkeypatch, now: datetime.datetime = NOW):
        self.now = now
        monkeypatch.setattr(timezone, "now", lambda: self.now)


@dataclass
class World:
    members: dict = field(default_factory=dict)
    memberships: dict = field(default_factory=dict)
    staff: object = None
    admin: object = None
    trainers: dict = field(default_factory=dict)
    invoices: dict = field(default_factory=dict)
    payments: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)


def make_member(code: str, *, joined: datetime.date, status: str = "ACTIVE", deleted: bool = False) -> Member:
    user = MemberUserFactory(first_name=f"Member{code}", last_name="Test", email=f"{code.lower()}-{next(_seq)}@ex.com")
    member = Member.all_objects.create(
        user=user, code=f"T{code}{next(_seq):04d}", phone=f"+88017110000{next(_seq) % 100:02d}", joined_on=joined,
        status=status, deleted_at=NOW - datetime.timedelta(days=1) if deleted else None,
    )  # fmt: skip
    # Joined long ago: "never came" counts from when the member joined.
    Member.all_objects.filter(pk=member.pk).update(created_at=local(joined, 9))
    return member


def plan(name: str, price: str, unit: str) -> Plan:
    return Plan.objects.create(name=name, price=Decimal(price), interval_count=1, interval_unit=unit)


def term(member, plan_, starts, ends, *, renewed_from=None, status="ACTIVE") -> Membership:
    return Membership.objects.create(
        member=member, plan=plan_, starts_on=starts, ends_on=ends, price=plan_.price, status=status,
        renewed_from=renewed_from,
    )  # fmt: skip


def invoice(member, total: str, *, due_on, paid: str = "0", status: str = "ISSUED", number: str = "") -> Invoice:
    return Invoice.objects.create(
        number=number or f"INV-T-{next(_seq):05d}", member=member, issued_on=due_on - datetime.timedelta(days=7),
        due_on=due_on, total=Decimal(total), amount_paid=Decimal(paid), status=status,
    )  # fmt: skip


def payment(inv, amount: str, at, *, method="CASH", by=None, refund_of=None, note="") -> Payment:
    return Payment.objects.create(
        invoice=inv, amount=Decimal(amount), method=method, received_at=at, received_by=by, refund_of=refund_of,
        note=note or ("Refund" if Decimal(amount) < 0 else ""), receipt_number=f"RCT-T-{next(_seq):05d}",
        reference=f"TRX{next(_seq)}" if method == "BKASH" else "",
    )  # fmt: skip


def checkin(member, at, *, allowed: bool = True) -> CheckIn:
    checkin_ = CheckIn.objects.create(
        member=member, at=at, source=CheckIn.Source.DEVICE,
        result=CheckIn.Result.ALLOWED if allowed else CheckIn.Result.DENIED,
        reason="" if allowed else CheckIn.Reason.EXPIRED,
    )  # fmt: skip
    if allowed:
        # As the check-in services do after every allowed check-in.
        members_note_visits(visits=[(member.pk, at)])
    return checkin_


def session(class_type, instructor, room, starts_at, capacity, *, cancelled=False) -> ClassSession:
    return ClassSession.objects.create(
        class_type=class_type, instructor=instructor, room=room, starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=60), capacity=capacity,
        status="CANCELLED" if cancelled else "SCHEDULED", reason="Trainer ill" if cancelled else "",
    )  # fmt: skip


def book(session_, member, status, *, waitlist_position=None) -> Booking:
    return Booking.objects.create(session=session_, member=member, status=status, waitlist_position=waitlist_position)


def build_world() -> World:
    w = World()
    w.admin = AdminFactory(first_name="Ada", last_name="Admin")
    w.staff = SupportFactory(first_name="Sam", last_name="Desk")
    monthly, weekly, yearly = (
        plan("Monthly", "3000.00", "MONTH"),
        plan("Weekly", "1400.00", "WEEK"),
        plan("Yearly", "36500.00", "YEAR"),
    )
    m = w.members
    m["A"] = make_member("A", joined=day(1, 10))
    m["B"] = make_member("B", joined=day(4, 3))
    m["C"] = make_member("C", joined=day(6, 1, 2025))
    m["D"] = make_member("D", joined=day(1, 1, 2025), status="INACTIVE")
    m["E"] = make_member("E", joined=day(1, 1, 2025), status="INACTIVE")
    m["F"] = make_member("F", joined=day(4, 2), deleted=True)
    m["G"] = make_member("G", joined=day(4, 10), status="INACTIVE")
    m["I"] = make_member("I", joined=day(4, 24, 2025))
    m["K"] = make_member("K", joined=day(3, 1))

    t = w.memberships
    t["A1"] = term(m["A"], monthly, day(2, 1), day(2, 28))
    t["A2"] = term(m["A"], monthly, day(3, 1), day(3, 31), renewed_from=t["A1"])
    t["A3"] = term(m["A"], monthly, day(4, 1), day(4, 30), renewed_from=t["A2"])
    t["B"] = term(m["B"], weekly, day(4, 3), day(4, 20))
    t["C1"] = term(m["C"], monthly, day(3, 23), day(4, 22))
    t["C2"] = term(m["C"], monthly, day(4, 23), day(5, 22), renewed_from=t["C1"])
    t["D"] = term(m["D"], monthly, day(3, 2), day(4, 1))
    t["E"] = term(m["E"], monthly, day(2, 11), day(3, 10))
    t["F"] = term(m["F"], monthly, day(4, 1), day(4, 18))
    t["G"] = term(m["G"], monthly, day(4, 1), day(4, 30), status="CANCELLED")
    t["I"] = term(m["I"], yearly, day(4, 24, 2025), day(4, 23))
    t["K"] = term(m["K"], monthly, day(4, 10), day(5, 9))

    # Dues (today 15 Apr): days late 5, 45, 104, 0 (not yet), 30, 31, 60, 61; paid and void ones are not owed.
    inv = w.invoices
    inv["late5"] = invoice(m["A"], "3000.00", due_on=day(4, 10), paid="700.00", status="PARTIAL")
    inv["late45"] = invoice(m["C"], "1000.00", due_on=day(3, 1))
    inv["late104"] = invoice(m["D"], "5000.00", due_on=day(1, 1))
    inv["today"] = invoice(m["I"], "2000.00", due_on=TODAY)
    inv["late30"] = invoice(m["E"], "100.00", due_on=day(3, 16))
    inv["late31"] = invoice(m["E"], "200.00", due_on=day(3, 15))
    inv["late60"] = invoice(m["E"], "400.00", due_on=day(2, 14))
    inv["late61"] = invoice(m["E"], "800.00", due_on=day(2, 13))
    inv["paid"] = invoice(m["B"], "10000.00", due_on=day(3, 1), paid="10000.00", status="PAID")
    Invoice.objects.create(
        number="INV-T-VOID", member=m["B"], issued_on=day(2, 1), due_on=day(2, 8), total=Decimal("900.00"),
        status="VOID", void_reason="Typo",
    )  # fmt: skip

    # Payments: today cash 1000 (09:00) + 500 (09:30) by Sam, a 300 cash refund (09:45) by Ada, bKash 2000
    # just after midnight; yesterday 700 at 23:30; 999 on 6 March (outside the 30 days).
    p = w.payments
    p["cash1000"] = payment(inv["paid"], "1000.00", local(TODAY, 9), by=w.staff)
    p["cash500"] = payment(inv["paid"], "500.00", local(TODAY, 9, 30), by=w.staff)
    p["refund300"] = payment(inv["paid"], "-300.00", local(TODAY, 9, 45), by=w.admin, refund_of=p["cash1000"])
    p["bkash2000"] = payment(inv["late5"], "2000.00", local(TODAY, 0, 30), method="BKASH")
    p["yesterday700"] = payment(inv["late5"], "700.00", local(day(4, 14), 23, 30), by=w.staff)
    p["march999"] = payment(inv["late45"], "999.00", local(day(3, 6), 12), by=w.staff)

    # Check-ins: today A 07:30, B 08:30 and 09:50, C 09:59, D refused 09:00, an unknown ID refused 09:10;
    # A yesterday 18:00; I on 26 March 10:00.
    checkin(m["A"], local(TODAY, 7, 30))
    checkin(m["B"], local(TODAY, 8, 30))
    checkin(m["B"], local(TODAY, 9, 50))
    checkin(m["C"], local(TODAY, 9, 59))
    checkin(m["D"], local(TODAY, 9), allowed=False)
    CheckIn.objects.create(
        biometric_id="999", at=local(TODAY, 9, 10), source="DEVICE", result="DENIED", reason="UNKNOWN_ID"
    )
    checkin(m["A"], local(day(4, 14), 18))
    checkin(m["I"], local(day(3, 26), 10))

    # Classes. Yoga (Tanvir): today 07:00 (cap 10), today 12:00 cancelled, Sunday 5 April 07:00 (cap 10).
    # HIIT (Nadia): today 18:00 (cap 5, full, 2 waiting). Tomorrow's Yoga is outside every range used.
    room = Room.objects.create(name="Studio", capacity=30)
    yoga, hiit = ClassType.objects.create(title="Yoga"), ClassType.objects.create(title="HIIT")
    tanvir = TrainerUserFactory(first_name="Tanvir", last_name="Ahmed")
    nadia = TrainerUserFactory(first_name="Nadia", last_name="Islam")
    w.trainers = {"tanvir": tanvir, "nadia": nadia}
    s = w.sessions
    s["yoga_today"] = session(yoga, tanvir, room, local(TODAY, 7), 10)
    s["yoga_cancelled"] = session(yoga, tanvir, room, local(TODAY, 12), 10, cancelled=True)
    s["yoga_sunday"] = session(yoga, tanvir, room, local(day(4, 5), 7), 10)
    s["hiit_today"] = session(hiit, nadia, room, local(TODAY, 18), 5)
    s["yoga_tomorrow"] = session(yoga, tanvir, room, local(day(4, 16), 7), 10)
    book(s["yoga_today"], m["A"], "ATTENDED")
    book(s["yoga_today"], m["B"], "ATTENDED")
    book(s["yoga_today"], m["C"], "NO_SHOW")
    book(s["yoga_today"], m["D"], "CANCELLED", waitlist_position=1)  # left the waitlist
    book(s["yoga_today"], m["E"], "WAITLISTED", waitlist_position=2)
    for code in ("A", "B", "C", "I"):
        book(s["yoga_sunday"], m[code], "ATTENDED")
    book(s["yoga_sunday"], m["K"], "NO_SHOW")
    for code in ("A", "B", "C", "I", "K"):
        book(s["hiit_today"], m[code], "BOOKED")
    book(s["hiit_today"], m["D"], "WAITLISTED", waitlist_position=1)
    book(s["hiit_today"], m["E"], "WAITLISTED", waitlist_position=2)
    book(s["yoga_tomorrow"], m["A"], "BOOKED")

    # Stock: out (0/5) and at threshold (5/5) are low; 6/5 is not; inactive SKU and inactive product don't count.
    shake = Product.objects.create(name="Shake")
    retired = Product.objects.create(name="Old bar", is_active=False)
    SKU.objects.create(product=shake, code="SHAKE-0", price=1, cost=1, stock_on_hand=0, low_stock_threshold=5)
    SKU.objects.create(product=shake, code="SHAKE-5", price=1, cost=1, stock_on_hand=5, low_stock_threshold=5)
    SKU.objects.create(product=shake, code="SHAKE-6", price=1, cost=1, stock_on_hand=6, low_stock_threshold=5)
    SKU.objects.create(
        product=shake, code="SHAKE-X", price=1, cost=1, stock_on_hand=0, low_stock_threshold=5, is_active=False
    )
    SKU.objects.create(product=retired, code="BAR-0", price=1, cost=1, stock_on_hand=0, low_stock_threshold=5)

    # Support: open and waiting tickets are open; closed is not. Leads: two new, one contacted.
    for status in ("OPEN", "WAITING", "CLOSED"):
        Ticket.objects.create(
            member=m["A"], subject=f"{status} ticket", status=status, closed_at=NOW if status == "CLOSED" else None
        )
    for name, status in (("Lead one", "NEW"), ("Lead two", "NEW"), ("Lead three", "CONTACTED")):
        Lead.objects.create(
            name=name, email=f"{name.replace(' ', '.').lower()}@ex.com", phone="+8801712345678",
            heard_from="FRIEND", consented_at=NOW, status=status,
        )  # fmt: skip
    return w
