"""Every email GymOS sends, with sample data: the admin's "Email templates"
preview renders each one, and a test renders each one (text and HTML) with
missing variables made visible.

An email template lives with its app at
``templates/emails/<name>/{subject.txt,body.txt,body.html}``; a new one must be
added here too (the catalogue test fails for a template not listed). Samples
carry the same keys the sending service stores in ``Message.context`` plus what
a send-time provider adds (temporary password, reset link).
"""

import datetime
from dataclasses import dataclass
from pathlib import Path

from django.template import engines

from core.notifications.rendering import RenderedEmail, render_email

_CLASS = {
    "first_name": "Nusrat",
    "class_title": "Morning Yoga",
    "when": "Mon 15 Dec, 07:00",
    "ends": "08:00",
    "room": "Studio 1",
    "instructor": "Tania Akter",
    "session_id": 1,
}
_LEAVE = {
    "first_name": "Tania",
    "starts": "Mon 15 Dec 2026, 06:00",
    "ends": "Wed 17 Dec 2026, 22:00",
    "leave_span": "Mon 15 Dec 2026, 06:00 – Wed 17 Dec 2026, 22:00",
    "leave_id": 3,
}


@dataclass(frozen=True)
class EmailTemplate:
    name: str
    title: str
    sent_when: str
    sample: dict


CATALOGUE: tuple[EmailTemplate, ...] = (
    EmailTemplate(
        "welcome",
        "Welcome / account created",
        "Staff create an account (member, trainer or staff); it carries a temporary password.",
        {
            "first_name": "Nusrat",
            "role": "Member",
            "email": "nusrat@example.com",
            "temp_password": "Sample-temp-4821",
            "expires_at": datetime.datetime(2026, 12, 18, 18, 0, tzinfo=datetime.UTC),
        },
    ),
    EmailTemplate(
        "password_reset",
        "Password reset",
        "Someone asks for a new password on the login page, for an existing account.",
        {
            "first_name": "Nusrat",
            "email": "nusrat@example.com",
            "password_reset_url": "https://gym.example.com/accounts/password/reset/key/1-sample/",
            "valid_hours": 72,
        },
    ),
    EmailTemplate(
        "unknown_account",
        "Password reset for an unknown address",
        "Someone asks for a new password for an address that has no account.",
        {"email": "someone@example.com"},
    ),
    EmailTemplate(
        "payment_receipt",
        "Payment receipt (and invoice)",
        "A payment or refund is recorded; the receipt PDF (and the paid invoice) are attached.",
        {
            "first_name": "Nusrat",
            "receipt_number": "RCT-2026-000042",
            "invoice_number": "INV-2026-000042",
            "amount": "3000.00",
            "method": "bKash",
            "is_refund": False,
            "invoice_status": "Paid",
            "balance": "0.00",
            "paid_in_full": True,
        },
    ),
    EmailTemplate(
        "renewal_reminder",
        "Renewal reminder",
        "A membership ends within 3 days and no renewal is sold (daily job, email when not on WhatsApp).",
        {
            "first_name": "Nusrat",
            "member_code": "M00042",
            "plan_name": "Monthly",
            "ends_on": "Fri 18 Dec 2026",
            "days_left": 3,
            "days_since": -3,
            "second_reminder": False,
        },
    ),
    EmailTemplate(
        "membership_expired",
        "Membership expired",
        "The day after a membership ended, and again 7 days later, unless renewed (daily job).",
        {
            "first_name": "Nusrat",
            "member_code": "M00042",
            "plan_name": "Monthly",
            "ends_on": "Fri 18 Dec 2026",
            "days_left": -8,
            "days_since": 8,
            "second_reminder": True,
        },
    ),
    EmailTemplate(
        "daily_digest",
        "Daily digest for admins",
        "Every morning, to each active admin.",
        {
            "first_name": "Ada",
            "date": "Tuesday 15 December 2026",
            "sections": [
                {
                    "name": "renewals_due",
                    "title": "Renewals due in the next 7 days",
                    "summary": "2 not renewed yet",
                    "link": "/admin/members/member/?expiring=7",
                    "lines": [
                        "M00042 Nusrat Jahan (Monthly, +8801712345678): last day Fri 18 Dec",
                        "M00051 Karim Uddin (Quarterly): last day Mon 21 Dec",
                    ],
                    "more": 0,
                },
                {
                    "name": "expired_yesterday",
                    "title": "Expired yesterday",
                    "summary": "",
                    "link": "",
                    "lines": [],
                    "more": 0,
                },
                {
                    "name": "dues_outstanding",
                    "title": "Dues outstanding",
                    "summary": "1 invoice past due, ৳1,500.00 owed",
                    "link": "",
                    "lines": ["INV-2026-000031 Karim Uddin: ৳1,500.00 due since Tue 1 Dec"],
                    "more": 0,
                },
            ],
        },
    ),
    EmailTemplate(
        "lead_received",
        "Membership application received",
        "Someone applies for membership on the public /apply/ page.",
        {"first_name": "Rafi", "plan": "Monthly"},
    ),
    EmailTemplate(
        "class_booked",
        "Class booked",
        "A member books a class seat.",
        {**_CLASS, "used_credit": True},
    ),
    EmailTemplate(
        "waitlisted",
        "Put on a class waitlist",
        "A member books a full class and joins its waitlist.",
        {**_CLASS, "place": 2},
    ),
    EmailTemplate(
        "promoted_from_waitlist",
        "Promoted from the waitlist",
        "A seat frees up and the first waitlisted member gets it.",
        dict(_CLASS),
    ),
    EmailTemplate(
        "waitlist_released",
        "Taken off a waitlist",
        "A class starts while the member is still waitlisted.",
        {**_CLASS, "reason": "The class started before a seat freed up."},
    ),
    EmailTemplate(
        "class_rescheduled",
        "Class moved",
        "Staff move a class to another time or room (for example after a trainer's leave).",
        {
            **_CLASS,
            "old_when": "Sun 14 Dec, 07:00",
            "old_room": "Studio 2",
            "reason": "The instructor is on leave that day.",
            "waitlisted": False,
        },
    ),
    EmailTemplate(
        "class_cancelled",
        "Class cancelled",
        "Staff cancel a class (for example after a trainer's leave).",
        {**_CLASS, "reason": "The instructor is ill.", "waitlisted": False, "credit_returned": True},
    ),
    EmailTemplate(
        "class_instructor_changed",
        "New instructor for a class",
        "A trainer's leave is approved and another instructor takes the class over.",
        {**_CLASS, "old_instructor": "Rumana Islam", "waitlisted": False},
    ),
    EmailTemplate(
        "leave_approved",
        "Trainer leave approved",
        "An admin approves a trainer's leave request; it lists what happens to their classes.",
        {
            **_LEAVE,
            "note": "Get well soon.",
            "decided_by": "Ada",
            "handled": ["Morning Yoga, Mon 15 Dec 07:00: Tania Akter takes over", "HIIT, Tue 16 Dec 18:00: cancelled"],
        },
    ),
    EmailTemplate(
        "leave_denied",
        "Trainer leave not approved",
        "An admin turns down a trainer's leave request, with the reason.",
        {**_LEAVE, "note": "Two trainers are already away that week.", "decided_by": "Ada", "handled": []},
    ),
    EmailTemplate(
        "ticket_reply",
        "Support ticket reply",
        "Staff reply to a member's support ticket.",
        {
            "first_name": "Nusrat",
            "ticket_id": 7,
            "subject": "Locker key lost",
            "body": "We found your key at the desk.\nCollect it any time.",
            "has_image": False,
            "staff_name": "Sam",
        },
    ),
)

_BY_NAME = {entry.name: entry for entry in CATALOGUE}


def catalogue_entry(name: str) -> EmailTemplate | None:
    return _BY_NAME.get(name)


def catalogue_render(name: str) -> RenderedEmail:
    """The email ``name`` as it would be sent with its sample data (no attachments)."""
    entry = _BY_NAME[name]
    return render_email(entry.name, entry.sample)


def email_templates_on_disk() -> set[str]:
    """Names of every email template any template directory holds (emails/<name>/subject.txt)."""
    names = set()
    for engine in engines.all():
        for directory in engine.template_dirs:
            emails = Path(directory) / "emails"
            if emails.is_dir():
                names |= {p.parent.name for p in emails.glob("*/subject.txt")}
    return names
