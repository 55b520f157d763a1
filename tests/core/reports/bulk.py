"""A gym of N members made with bulk_create (seconds, not minutes), for the
query-count tests: the same shape of data at 10 and at 500 members, so a page
that loops over rows in Python shows up as more queries at 500."""

import datetime
from decimal import Decimal

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.accounts.models import User
from core.attendance.models import CheckIn
from core.attendance.services import members_note_visits
from core.billing.models import Invoice, Payment
from core.classes.models import Booking, ClassSession, ClassType, Room
from core.common.models import AuditEvent
from core.inventory.models import SKU, Product
from core.leads.models import Lead
from core.members.models import Member
from core.memberships.models import Membership, Plan
from core.support.models import Ticket


def bulk_gym(n: int, *, staff, trainer, tag: str = "b") -> None:
    """``n`` members with a membership each (a third ending within a week, a third lapsed), an invoice
    each (half overdue) with a payment today, two check-ins each, bookings in a few classes, and
    leads, tickets, SKUs and audit events in proportion. ``tag`` keeps codes unique per call."""
    now = timezone.now()
    today = timezone.localdate()
    users = User.objects.bulk_create(
        User(email=f"{tag}{i}@bulk.example.com", first_name=f"Bulk{i}", role=User.Role.MEMBER, password="!")
        for i in range(n)
    )
    members = bulk_create_with_history(
        [
            Member(user=u, code=f"{tag.upper()}{i:06d}", phone="+8801711000000",
                   joined_on=today - datetime.timedelta(days=i % 60), status="ACTIVE" if i % 3 else "INACTIVE")
            for i, u in enumerate(users)
        ],
        Member,
        default_user=staff,
    )  # fmt: skip
    members = list(Member.objects.filter(code__startswith=tag.upper()).order_by("code"))
    plan = Plan.objects.create(name=f"Bulk plan {tag}", price=Decimal("3000.00"))
    ends = [today + datetime.timedelta(days=3), today + datetime.timedelta(days=40), today - datetime.timedelta(days=5)]
    Membership.objects.bulk_create(
        Membership(member=m, plan=plan, starts_on=ends[i % 3] - datetime.timedelta(days=29), ends_on=ends[i % 3],
                   price=plan.price)
        for i, m in enumerate(members)
    )  # fmt: skip
    invoices = Invoice.objects.bulk_create(
        Invoice(number=f"INV-{tag}-{i:06d}", member=m, issued_on=today - datetime.timedelta(days=50),
                due_on=today - datetime.timedelta(days=(i % 2) * 45 - 1), total=Decimal("3000.00"),
                amount_paid=Decimal("1000.00"), status="PARTIAL")
        for i, m in enumerate(members)
    )  # fmt: skip
    Payment.objects.bulk_create(
        Payment(invoice=inv, amount=Decimal("1000.00"), method="CASH" if i % 2 else "BKASH",
                reference=f"{tag}{i}", received_at=now - datetime.timedelta(hours=i % 9), received_by=staff,
                receipt_number=f"RCT-{tag}-{i:06d}")
        for i, inv in enumerate(invoices)
    )  # fmt: skip
    checkins = CheckIn.objects.bulk_create(
        CheckIn(member=m, at=now - datetime.timedelta(days=days, minutes=i % 300), source="DEVICE", result="ALLOWED")
        for i, m in enumerate(members)
        for days in (0, 3 + i % 20)
    )  # fmt: skip
    members_note_visits(visits=[(c.member_id, c.at) for c in checkins])
    room = Room.objects.create(name=f"Bulk room {tag}", capacity=1000)
    class_type = ClassType.objects.create(title=f"Bulk class {tag}")
    sessions = ClassSession.objects.bulk_create(
        ClassSession(class_type=class_type, instructor=trainer, room=room, capacity=1000,
                     starts_at=now - datetime.timedelta(days=d, hours=1), ends_at=now - datetime.timedelta(days=d))
        for d in (0, 1, 2, 7)
    )  # fmt: skip
    Booking.objects.bulk_create(
        Booking(session=s, member=m, status=("ATTENDED", "NO_SHOW", "BOOKED")[i % 3])
        for s in sessions
        for i, m in enumerate(members)
    )
    Lead.objects.bulk_create(
        Lead(name=f"Lead {i}", email=f"lead{tag}{i}@example.com", phone="+8801712345678", heard_from="FRIEND",
             consented_at=now)
        for i in range(max(1, n // 10))
    )  # fmt: skip
    Ticket.objects.bulk_create(Ticket(member=m, subject="Help") for m in members[: max(1, n // 10)])
    product = Product.objects.create(name=f"Bulk product {tag}")
    SKU.objects.bulk_create(
        SKU(product=product, code=f"{tag}-SKU-{i}", price=1, cost=1, stock_on_hand=i % 8, low_stock_threshold=5)
        for i in range(max(2, n // 10))
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(action="login", actor=staff, summary=f"{staff.email} logged in") for _ in range(n)
    )
