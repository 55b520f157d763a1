"""Bench data, second half: classes and bookings, check-ins and punches,
inventory, leads, tickets, audit events and sent messages (see generate.py)."""

import datetime
import random

from django.utils import timezone

from bench.copyrows import copy_rows, copy_through

CLASS_TYPES = ["Yoga", "HIIT", "Spin", "Pilates", "Boxing", "Zumba", "CrossFit", "Body Pump", "Stretch", "Core"]
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def build(*, rnd: random.Random, members: int, active_ids: list[int], first_user: int, phase, checkins_per_member):
    from core.attendance.models import CheckIn
    from core.classes.models import Booking, ClassSchedule, ClassSession, ClassType, Room
    from core.common.models import AuditEvent
    from core.inventory.models import SKU, Product, StockMovement
    from core.leads.models import Lead
    from core.notifications.models import Message
    from core.support.models import Ticket, TicketReply
    from devices.models import Device, Punch

    tz = timezone.get_current_timezone()
    now = timezone.now()
    today = timezone.localdate()
    trainers = list(range(3, 13))
    pool = active_ids or list(range(1, members + 1))

    # Classes: 40 weekly schedules, sessions 26 weeks back and 26 ahead.
    copy_rows(Room, ("id", "name", "capacity"), [(r, f"Studio {r}", 30) for r in range(1, 5)])
    copy_rows(ClassType, ("id", "title", "description"), [(c, t, f"{t} class.") for c, t in enumerate(CLASS_TYPES, 1)])
    # Every class is included in every plan (no credits needed to book).
    copy_through("classes_classtype_included_in_plans", ("classtype_id", "plan_id"),
                 [(c, p) for c in range(1, len(CLASS_TYPES) + 1) for p in range(1, 5)])  # fmt: skip
    schedules, sessions, bookings = [], [], []
    session_id = booking_id = 0
    for s in range(1, 41):
        weekday = (s - 1) % 7
        start_time = datetime.time(6 + ((s - 1) // 7) * 2 + (s % 2), 0)
        starts_on = today - datetime.timedelta(days=182)
        starts_on += datetime.timedelta(days=(weekday - starts_on.weekday()) % 7)
        room, trainer, ctype = 1 + s % 4, trainers[s % 10], 1 + s % 10
        schedules.append((s, ctype, trainer, room, 20, starts_on, start_time, 60, f"FREQ=WEEKLY;BYDAY={DAYS[weekday]}"))
        for week in range(52):
            day = starts_on + datetime.timedelta(weeks=week)
            starts_at = datetime.datetime.combine(day, start_time, tz)
            session_id += 1
            sessions.append((session_id, s, starts_at, ctype, starts_at, starts_at + datetime.timedelta(hours=1), room,
                             trainer, 20))  # fmt: skip
            days_ahead = (day - today).days
            if days_ahead > 7:
                continue
            wanted = rnd.randrange(12, 21) if days_ahead < 0 else rnd.randrange(5, 26)
            for k, member in enumerate(rnd.sample(pool, min(wanted, len(pool)))):
                booking_id += 1
                booked_at = starts_at - datetime.timedelta(days=rnd.randrange(1, 7), minutes=k)
                if k >= 20:
                    status, position = "WAITLISTED", k - 19
                elif days_ahead < 0:
                    status, position = ("ATTENDED" if rnd.random() < 0.85 else "NO_SHOW"), None
                else:
                    status, position = "BOOKED", None
                bookings.append((booking_id, session_id, member, status, position, booked_at, booked_at))
    copy_rows(ClassSchedule, ("id", "class_type_id", "instructor_id", "room_id", "capacity", "starts_on", "start_time",
                              "duration_minutes", "recurrence"), schedules)  # fmt: skip
    copy_rows(ClassSession, ("id", "schedule_id", "occurrence", "class_type_id", "starts_at", "ends_at", "room_id",
                             "instructor_id", "capacity"), sessions)  # fmt: skip
    copy_rows(Booking, ("id", "session_id", "member_id", "status", "waitlist_position", "booked_at", "created_at"),
              bookings)  # fmt: skip
    phase.done("classes + sessions + bookings", len(sessions) + len(bookings))

    # Check-ins: 40 per member over the last year, 90% from the device with a punch.
    copy_rows(Device, ("id", "name", "serial_number", "host", "time_zone", "is_active"),
              [(1, "Front door", "BENCH-DOOR-1", "127.0.0.1", str(tz), False)])  # fmt: skip
    start = datetime.datetime.combine(today - datetime.timedelta(days=365), datetime.time(6), tz)
    span = 365 * 86400

    punches = []

    def checkins():
        cid = 0
        for member in range(1, members + 1):
            for sec in sorted(rnd.sample(range(0, span, 60), checkins_per_member)):
                cid += 1
                at = start + datetime.timedelta(seconds=sec)
                device = cid % 10 != 0
                denied = cid % 31 == 0
                if device:
                    punches.append((cid, 1, str(member), at, cid, at))
                yield (cid, member, str(member), at, "DEVICE" if device else "MANUAL", "DENIED" if denied else
                       "ALLOWED", "EXPIRED" if denied else "", None if device else 1, at)  # fmt: skip

    count = copy_rows(CheckIn, ("id", "member_id", "biometric_id", "at", "source", "result", "reason",
                                "created_by_id", "created_at"), checkins())  # fmt: skip
    phase.done("check-ins", count)
    copy_rows(Punch, ("id", "device_id", "device_user_id", "punched_at", "checkin_id", "received_at"), punches)
    phase.done("punches", len(punches))
    punches.clear()

    # Inventory: 100 products x 5 SKUs, 20 movements each.
    products = [(p, f"Product {p}", rnd.choice(["SUPPLEMENT", "APPAREL", "EQUIPMENT", "DRINK", "OTHER"]))
                for p in range(1, 101)]  # fmt: skip
    copy_rows(Product, ("id", "name", "category"), products)
    skus, moves = [], []
    mid = 0
    for k in range(1, 501):
        stock = 0
        for m in range(20):
            mid += 1
            qty = 100 if m == 0 else -rnd.randrange(1, 5)
            stock += qty
            at = now - datetime.timedelta(days=200 - m * 10, minutes=k)
            moves.append((mid, k, "RECEIVED" if m == 0 else "SOLD", qty, stock, 1, at))
        skus.append((k, 1 + (k - 1) // 5, f"SKU-{k:04d}", ["S", "M", "L", "XL", ""][k % 5], 500 + k, 300 + k, stock))
    copy_rows(SKU, ("id", "product_id", "code", "size", "price", "cost", "stock_on_hand"), skus)
    copy_rows(StockMovement, ("id", "sku_id", "kind", "quantity", "stock_after", "by_id", "at"), moves)
    phase.done("SKUs + movements", len(skus) + len(moves))

    heard = ["FRIEND", "SOCIAL", "SEARCH", "WALK_BY", "FLYER"]
    lead_status = ["NEW", "CONTACTED", "TRIAL", "LOST"]  # CONVERTED needs a member
    leads = [(i, f"Lead {i}", f"lead{i}@bench.invalid", f"018{i:08d}", rnd.choice(heard), now -
              datetime.timedelta(days=i % 365), rnd.choice(lead_status), 2)
             for i in range(1, members // 10 + 1)]  # fmt: skip
    copy_rows(Lead, ("id", "name", "email", "phone", "heard_from", "consented_at", "status", "assignee_id"), leads)
    tickets = []
    for i in range(1, members // 20 + 1):
        status, at = rnd.choice(["OPEN", "WAITING", "CLOSED"]), now - datetime.timedelta(hours=i)
        tickets.append((i, 1 + (i * 7919) % members, f"Question {i}", rnd.choice(["BILLING", "CLASSES", "OTHER"]),
                        status, at, at if status == "CLOSED" else None))  # fmt: skip
    copy_rows(Ticket, ("id", "member_id", "subject", "category", "status", "last_reply_at", "closed_at"), tickets)
    replies = [(2 * t[0] - j, t[0], first_user - 1 + t[1] if j else 2, not j, "Hello, about my account.", t[5])
               for t in tickets for j in (0, 1)]  # fmt: skip
    copy_rows(TicketReply, ("id", "ticket_id", "author_id", "by_staff", "body", "at"), replies)
    phase.done("leads + tickets", len(leads) + len(tickets) + len(replies))

    events = [(e, now - datetime.timedelta(minutes=e), 1, "member.created", "members.Member", str(1 + e % members),
               f"Member M{1 + e % members:05d} created") for e in range(1, 2 * members + 1)]  # fmt: skip
    copy_rows(AuditEvent, ("id", "at", "actor_id", "action", "object_type", "object_id", "summary"), events)
    messages = [(i, f"member{i - 1}@bench.invalid", first_user + i - 1, "membership_reminder", f"dedupe-{i}", "SENT",
                 "Your membership", now - datetime.timedelta(minutes=i)) for i in range(1, members + 1)]  # fmt: skip
    copy_rows(Message, ("id", "recipient", "user_id", "template", "dedupe_key", "status", "subject", "sent_at"),
              messages)  # fmt: skip
    phase.done("audit events + messages", len(events) + len(messages))
