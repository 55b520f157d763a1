"""The pages the bench measures, found through the URL resolver (pages that do
not exist in this build are listed as skipped), with the objects they show
picked from the bench data the same way at 1k and 50k members."""

from __future__ import annotations

import datetime

from django.urls import NoReverseMatch, get_resolver, reverse
from django.utils import timezone

# (label, url name, kind); kind "admin" targets 150/300 ms, "report" 300 ms median, "portal" 80 ms.
ADMIN_PAGES = [
    ("dashboard", "admin:index", "report"),
    ("member list", "admin:members_member_changelist", "admin"),
    ("member search", "admin:members_member_changelist", "admin"),
    ("member detail", "admin:members_member_change", "admin"),
    ("membership list", "admin:memberships_membership_changelist", "admin"),
    ("invoice list", "admin:billing_invoice_changelist", "admin"),
    ("payment list", "admin:billing_payment_changelist", "admin"),
    ("dues", "admin:billing_invoice_dues", "admin"),
    ("session list", "admin:classes_classsession_changelist", "admin"),
    ("session roster", "admin:classes_classsession_roster", "admin"),
    ("booking list", "admin:classes_booking_changelist", "admin"),
    ("check-ins", "admin:attendance_checkin_changelist", "admin"),
    ("punches", "admin:devices_punch_changelist", "admin"),
    ("audit log", "admin:audit_log", "admin"),
    ("global search", "admin:search", "admin"),
    ("leads", "admin:leads_lead_changelist", "admin"),
    ("tickets", "admin:support_ticket_changelist", "admin"),
    ("stock movements", "admin:inventory_stockmovement_changelist", "admin"),
]
PORTAL_PAGES = [
    ("portal member home", "portal:member_home", "portal"),
    ("portal week schedule", "portal:classes", "portal"),
    ("portal my bookings", "portal:bookings", "portal"),
    ("portal invoices", "portal:invoices", "portal"),
]


def pick_objects() -> dict:
    """The member, session and booker every run uses (deterministic per data set)."""
    from core.classes.models import Booking, ClassSession
    from core.members.models import Member

    members = Member.objects.count()
    member = Member.objects.filter(status="ACTIVE", pk__gte=members // 2).order_by("pk").first()
    now = timezone.now()
    past = ClassSession.objects.filter(starts_at__lt=now).order_by("-starts_at").first()
    booker = (
        Booking.objects.filter(status="BOOKED", member__status="ACTIVE", session__starts_at__gt=now)
        .order_by("member_id")
        .values_list("member_id", flat=True)
        .first()
    )
    return {"member": member.pk, "member_code": member.code, "session": past.pk, "portal_member": booker}


def report_pages() -> list[tuple[str, str, str]]:
    names = sorted(n for n in _admin_names() if n.startswith("reports_") and n != "reports_index")
    pages = [("reports index", "admin:reports_index", "report")]
    return pages + [(f"report {n.removeprefix('reports_')}", f"admin:{n}", "report") for n in names]


def _admin_names() -> set[str]:
    resolver = get_resolver()
    admin = resolver.namespace_dict.get("admin")
    return {n for n in admin[1].reverse_dict if isinstance(n, str)} if admin else set()


def page_urls(objects: dict) -> tuple[list[dict], list[str]]:
    """[{label, url, kind}], [skipped labels]."""
    admin_names = _admin_names()
    report_names = [(label, name, kind) for label, name, kind in report_pages() if name.split(":", 1)[1] in admin_names]
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    pages, skipped = [], []
    for label, name, kind in ADMIN_PAGES + report_names + PORTAL_PAGES:
        args = []
        if label == "member detail":
            args = [objects["member"]]
        elif label == "session roster":
            args = [objects["session"]]
        try:
            url = reverse(name, args=args)
        except NoReverseMatch:
            skipped.append(label)
            continue
        if label == "member search":
            url += f"?q={objects['member_code']}"
        elif label == "global search":
            url += "?q=Member+4"
        elif label == "portal week schedule":
            url += f"?week={monday:%Y-%m-%d}"
        pages.append({"label": label, "url": url, "kind": kind})
    return pages, skipped
