"""django-unfold configuration: branding and the sidebar, grouped by area.

Imported by settings, so it must not import models. Each area lists the
admin pages it has; an item only shows to people allowed to view it.
"""

import threading

from django.urls import reverse, reverse_lazy


def _perm(codename: str):
    return lambda request: request.user.has_perm(codename)


def _item(title: str, icon: str, url_name: str, perm: str, query: str = "") -> dict:
    link = (lambda request: reverse(url_name) + query) if query else reverse_lazy(url_name)
    return {"title": title, "icon": icon, "link": link, "permission": _perm(perm)}


# Badge counts of the request being rendered: unfold's template calls a badge
# twice (to test it, then to print it), so each count is queried once per request.
_badges = threading.local()


def forget_badges(**kwargs) -> None:
    """request_started receiver (AdminSiteConfig.ready): each request counts afresh."""
    _badges.values = {}


def _count_badge(path: str):
    """A sidebar count that disappears at zero. Unfold prints a callable
    badge's result and hides the badge when it is empty; the function named
    by ``path`` is imported only when the sidebar renders (no models here)."""

    def badge() -> str:
        from django.utils.module_loading import import_string

        values = getattr(_badges, "values", None)
        if values is None:
            values = _badges.values = {}
        if path not in values:
            values[path] = import_string(path)()
        return values[path]

    return badge


def _report_item(title: str, icon: str, slug: str) -> dict:
    """A report page; shown to people the report allows (admin_site/reports.py, imported on render)."""

    def allowed(request) -> bool:
        from admin_site.reports import registered_reports

        return any(cls.slug == slug and cls.allowed(request.user) for cls in registered_reports())

    return {"title": title, "icon": icon, "link": reverse_lazy(f"admin:reports_{slug}"), "permission": allowed}


SIDEBAR_AREAS = [
    {
        "title": "Members",
        "items": [
            _item(
                "Member accounts",
                "badge",
                "admin:accounts_user_changelist",
                "accounts.view_user",
                "?role__exact=MEMBER",
            ),
            _item("Members", "groups", "admin:members_member_changelist", "members.view_member"),
            _item(
                "Deleted members (restore)",
                "person_off",
                "admin:members_member_changelist",
                "members.view_member",
                "?deleted=1",
            ),
            _item(
                "Memberships",
                "card_membership",
                "admin:memberships_membership_changelist",
                "memberships.view_membership",
            ),
            _item(
                "Freezes",
                "ac_unit",
                "admin:memberships_membershipfreeze_changelist",
                "memberships.view_membershipfreeze",
            ),
            _item("Plans", "sell", "admin:memberships_plan_changelist", "memberships.view_plan"),
            _item("Facilities", "pool", "admin:memberships_facility_changelist", "memberships.view_facility"),
            _item(
                "Health flags", "health_and_safety", "admin:members_healthflag_changelist", "members.view_healthflag"
            ),
        ],
    },
    {
        "title": "Classes",
        "items": [
            _item(
                "Class calendar", "calendar_month", "admin:classes_classsession_changelist", "classes.view_classsession"
            ),
            # Badge: future classes whose schedule changed after members booked them.
            {
                **_item(
                    "Needs review",
                    "rule",
                    "admin:classes_classsession_changelist",
                    "classes.view_classsession",
                    "?needs_review__exact=1",
                ),
                "badge": _count_badge("admin_site.classes_sessions.needs_review_badge"),
            },
            _item("Bookings", "event_seat", "admin:classes_booking_changelist", "classes.view_booking"),
            _item("Schedules", "event_repeat", "admin:classes_classschedule_changelist", "classes.view_classschedule"),
            _item("Class types", "sports_gymnastics", "admin:classes_classtype_changelist", "classes.view_classtype"),
            _item("Rooms", "meeting_room", "admin:classes_room_changelist", "classes.view_room"),
            _item("Class tags", "label", "admin:classes_classtag_changelist", "classes.view_classtag"),
        ],
    },
    {
        "title": "Billing",
        "items": [
            _item("Invoices", "receipt_long", "admin:billing_invoice_changelist", "billing.view_invoice"),
            _item("Dues", "money_off", "admin:billing_invoice_dues", "billing.view_invoice"),
            _item("Payments", "payments", "admin:billing_payment_changelist", "billing.view_payment"),
            _item("Class packs", "confirmation_number", "admin:billing_classpack_changelist", "billing.view_classpack"),
            _item("Class credits", "toll", "admin:billing_classcredit_changelist", "billing.view_classcredit"),
            _item(
                "bKash checkouts",
                "account_balance_wallet",
                "admin:billing_bkashcheckout_changelist",
                "billing.view_bkashcheckout",
            ),
            _item("Webhook events", "webhook", "admin:billing_webhookevent_changelist", "billing.view_webhookevent"),
        ],
    },
    {
        "title": "Staff",
        "items": [
            _item(
                "Staff & trainer accounts", "badge", "admin:accounts_user_changelist", "accounts.view_user", "?staff=1"
            ),
            _item("Groups & permissions", "group", "admin:auth_group_changelist", "auth.view_group"),
            _item("Trainers", "sports", "admin:staff_trainer_changelist", "staff.view_trainer"),
            {
                **_item(
                    "Certifications",
                    "workspace_premium",
                    "admin:staff_certification_changelist",
                    "staff.view_certification",
                ),
                "badge": _count_badge("admin_site.staff.expiring_certifications_badge"),
            },
            {
                **_item(
                    "Leave requests", "event_busy", "admin:staff_leaverequest_changelist", "staff.view_leaverequest"
                ),
                "badge": _count_badge("admin_site.staff_leave.pending_leave_badge"),
            },
            _item(
                "Workout programs",
                "fitness_center",
                "admin:programs_workoutprogram_changelist",
                "programs.view_workoutprogram",
            ),
            _item("Diet plans", "restaurant", "admin:programs_dietplan_changelist", "programs.view_dietplan"),
        ],
    },
    {
        "title": "Inventory",
        "items": [
            _item("Desk sale", "point_of_sale", "admin:inventory_sku_desk_sale", "inventory.sell_sku"),
            _item("Stock (SKUs)", "inventory_2", "admin:inventory_sku_changelist", "inventory.view_sku"),
            _item("Products", "category", "admin:inventory_product_changelist", "inventory.view_product"),
            _item(
                "Stock movements",
                "swap_vert",
                "admin:inventory_stockmovement_changelist",
                "inventory.view_stockmovement",
            ),
            _item("Low stock", "production_quantity_limits", "admin:inventory_sku_low_stock", "inventory.view_sku"),
            _item("Stock take", "fact_check", "admin:inventory_sku_stock_take", "inventory.take_stock"),
        ],
    },
    {
        "title": "Leads & Support",
        "items": [
            # Badges: new applications, and tickets waiting for a staff answer.
            {
                **_item("Leads", "person_add", "admin:leads_lead_changelist", "leads.view_lead"),
                "badge": _count_badge("admin_site.leads.new_leads_badge"),
            },
            {
                **_item("Support tickets", "support_agent", "admin:support_ticket_changelist", "support.view_ticket"),
                "badge": _count_badge("admin_site.support.open_tickets_badge"),
            },
        ],
    },
    {
        "title": "Devices",
        "items": [
            _item(
                "Who is in now",
                "door_front",
                "admin:attendance_checkin_changelist",
                "attendance.view_checkin",
                "?when=today",
            ),
            _item("Check a member in", "how_to_reg", "admin:attendance_checkin_manual", "attendance.add_checkin"),
            _item("All check-ins", "fact_check", "admin:attendance_checkin_changelist", "attendance.view_checkin"),
            _item("Devices", "fingerprint", "admin:devices_device_changelist", "devices.view_device"),
            _item("Punches", "touch_app", "admin:devices_punch_changelist", "devices.view_punch"),
            _item(
                "Device commands",
                "send_to_mobile",
                "admin:devices_devicecommand_changelist",
                "devices.view_devicecommand",
            ),
        ],
    },
    {
        "title": "Reports",
        "items": [
            _report_item("Renewals due", "autorenew", "renewals"),
            _report_item("Collections", "payments", "collections"),
            _report_item("Dues and aging", "money_off", "dues"),
            _report_item("Membership movement", "trending_up", "movement"),
            _report_item("Attendance", "directions_walk", "attendance"),
            _report_item("Class fill rate", "event_seat", "class-fill"),
            _report_item("Sessions taught", "sports", "trainer-sessions"),
            _report_item("Low stock", "production_quantity_limits", "low-stock"),
        ],
    },
    {
        "title": "System",
        "items": [
            _item("Audit log", "policy", "admin:audit_log", "common.view_auditevent"),
            _item("Business events", "history_edu", "admin:common_auditevent_changelist", "common.view_auditevent"),
            _item("All accounts", "manage_accounts", "admin:accounts_user_changelist", "accounts.view_user"),
            _item(
                "Message outbox",
                "outgoing_mail",
                "admin:notifications_message_changelist",
                "notifications.view_message",
            ),
            _item("Scheduled jobs", "schedule", "admin:django_q_schedule_changelist", "django_q.view_schedule"),
            _item("Successful tasks", "task_alt", "admin:django_q_success_changelist", "django_q.view_success"),
            _item("Failed tasks", "error", "admin:django_q_failure_changelist", "django_q.view_failure"),
            _item("Queued tasks", "pending", "admin:django_q_ormq_changelist", "django_q.view_ormq"),
        ],
    },
]

UNFOLD = {
    "SITE_TITLE": "GymOS admin",
    "SITE_HEADER": "GymOS",
    "SITE_SUBHEADER": "Gym management",
    "SITE_URL": "/",
    "SITE_SYMBOL": "fitness_center",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    # The admin index is the dashboard: KPI cards and charts (admin_site/dashboard.py).
    "DASHBOARD_CALLBACK": "admin_site.dashboard.dashboard_callback",
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        # Areas without pages yet stay hidden until their features land.
        "navigation": [
            {"title": area["title"], "separator": True, "collapsible": True, "items": area["items"]}
            for area in SIDEBAR_AREAS
            if area["items"]
        ],
    },
}
