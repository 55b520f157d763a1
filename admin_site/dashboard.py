"""The admin index: KPI cards and charts (unfold's DASHBOARD_CALLBACK).

A person sees the sections their permissions open (no money without
billing.view_invoice, and so on); only those sections are computed. Every
number links to the list behind it, filtered so the list shows that number."""

import datetime
import json

from django.utils import timezone

from admin_site.reports import admin_link, report_link
from core.billing.models import Payment
from core.common.money import format_money
from core.reports.cache import chart_cache_seconds
from core.reports.dashboard import dashboard_numbers
from core.reports.periods import day_bounds, last_days, month_start

# Each section and the permissions it needs.
SECTION_PERMISSIONS = {
    "members": ("members.view_member",),
    "money": ("billing.view_invoice",),
    "checkins": ("attendance.view_checkin",),
    "classes": ("classes.view_classsession",),
    "stock": ("inventory.view_sku",),
    "support": ("support.view_ticket",),
    "leads": ("leads.view_lead",),
    "revenue_chart": ("billing.view_invoice", "billing.view_payment"),
    "members_chart": ("memberships.view_membership",),
    "checkins_chart": ("attendance.view_checkin",),
    "classes_chart": ("classes.view_classsession",),
}
PRIMARY = "var(--color-primary-600)"


def allowed_sections(user) -> set[str]:
    return {name for name, perms in SECTION_PERMISSIONS.items() if all(user.has_perm(p) for p in perms)}


def _card(title: str, value, link: str | None, note: str = "", icon: str = "") -> dict:
    shown = f"{value:,}" if isinstance(value, int) else value
    return {"title": title, "value": value, "shown": shown, "link": link, "note": note, "icon": icon}


def _member_cards(n: dict, today: datetime.date) -> list[dict]:
    members = "admin:members_member_changelist"
    return [
        _card("Active members", n["active"], admin_link(members, {"status__exact": "ACTIVE"}), icon="groups"),
        _card(
            "Expiring in 7 days", n["expiring"], admin_link(members, {"expiring": "7"}),
            "Latest membership ends by " + f"{today + datetime.timedelta(days=7):%d %b}", icon="hourglass_bottom",
        ),
        _card(
            "Expired in the last 30 days", n["expired"],
            report_link("renewals", start=today - datetime.timedelta(days=30), end=today - datetime.timedelta(days=1)),
            "Not renewed", icon="event_busy",
        ),
        _card(
            "New members this month", n["new_this_month"],
            admin_link(members, {"joined_on__gte": month_start(today), "joined_on__lte": today}), icon="person_add",
        ),
    ]  # fmt: skip


def _money_cards(n: dict, today: datetime.date, can_see_payments: bool) -> list[dict]:
    cards = []
    if can_see_payments:
        since, until = day_bounds(today)
        for method, row in n["by_method"].items():
            query = {"method__exact": method, "received_at__gte": str(since), "received_at__lt": str(until)}
            note = f"{row['payments']:,} payment{'s' if row['payments'] != 1 else ''}"
            if row["refunds"]:
                note += f", {format_money(row['refunded'])} refunded"
            label = Payment.Method(method).label
            cards.append(
                _card(f"Collected today: {label}", format_money(row["net"]),
                      admin_link("admin:billing_payment_changelist", query), note, icon="payments")
            )  # fmt: skip
    dues = n["dues"]
    cards.append(
        _card("Outstanding dues", format_money(dues["owed"]),
              admin_link("admin:billing_invoice_changelist", {"due": "overdue"}),
              f"{dues['count']:,} invoice{'s' if dues['count'] != 1 else ''} past due", icon="money_off")
    )  # fmt: skip
    return cards


def _checkin_cards(n: dict) -> list[dict]:
    checkins = "admin:attendance_checkin_changelist"
    return [
        _card("Check-ins today", n["allowed"], admin_link(checkins, {"when": "today", "result__exact": "ALLOWED"}),
              f"{n['visitors']:,} members, {n['denied']:,} refused", icon="how_to_reg"),
        _card("In the gym now", n["in_now"], admin_link(checkins, {"when": "today"}), icon="door_front"),
    ]  # fmt: skip


def _classes_block(n: dict, today: datetime.date) -> dict:
    since, until = day_bounds(today)
    link = admin_link(
        "admin:classes_classsession_changelist",
        {"starts_at__gte": str(since), "starts_at__lt": str(until), "status__exact": "SCHEDULED"},
    ) or report_link("class-fill", start=today, end=today)
    fill = f"{n['fill_rate']}% full" if n["fill_rate"] is not None else "no classes"
    sessions = [
        {
            "session": s,
            "fill": round(s.booked * 100 / s.capacity) if s.capacity else 0,
            "link": admin_link("admin:classes_classsession_change", args=[s.pk]),
        }
        for s in n["sessions"]
    ]
    card = _card(
        "Classes today", n["count"], link, f"{n['booked']:,} of {n['capacity']:,} seats booked, {fill}", "event"
    )
    return {"card": card, "sessions": sessions}


def _chart(labels: list[str], values: list, label: str, *, suffix: str = "") -> str:
    dataset = {"label": label, "data": values, "backgroundColor": PRIMARY, "borderColor": PRIMARY}
    dataset.update({"displayYAxis": True, "maxTicksXLimit": 12})
    if suffix:
        dataset["suffixYAxis"] = suffix
    return json.dumps({"labels": labels, "datasets": [dataset]})


def _charts(numbers, sections: set[str], today: datetime.date) -> list[dict]:
    recent = last_days(today, 30)
    charts = []
    if "revenue_chart" in sections:
        days, months = numbers["revenue_chart"]["days"], numbers["revenue_chart"]["months"]
        charts.append({
            "title": "Revenue by day (net, last 30 days)", "type": "bar",
            "data": _chart([f"{r['day']:%d %b}" for r in days], [float(r["net"]) for r in days], "Net"),
            "link": report_link("collections", start=recent.first, end=recent.last),
        })  # fmt: skip
        charts.append({
            "title": "Revenue by month (net, 12 months)", "type": "bar",
            "data": _chart([f"{r['month']:%b %Y}" for r in months], [float(r["net"]) for r in months], "Net"),
            "link": report_link("collections", start=months[0]["month"], end=today),
        })  # fmt: skip
    if "members_chart" in sections:
        rows = numbers["members_chart"]
        charts.append({
            "title": "Active members at each month end", "type": "line",
            "data": _chart([f"{r['month']:%b %Y}" for r in rows], [r["active"] for r in rows], "Active members"),
            "link": report_link("movement", start=rows[0]["month"], end=today),
        })  # fmt: skip
    if "checkins_chart" in sections:
        hours = numbers["checkins_chart"]
        charts.append({
            "title": "Check-ins by hour of day (last 30 days)", "type": "bar",
            "data": _chart([f"{h:02d}:00" for h in range(24)], hours, "Check-ins"),
            "link": report_link("attendance", start=recent.first, end=recent.last),
        })  # fmt: skip
    if "classes_chart" in sections:
        rows = numbers["classes_chart"]
        charts.append({
            "title": "Class fill rate by class type (last 30 days)", "type": "bar",
            "data": _chart([r["label"] for r in rows], [r["fill_rate"] or 0 for r in rows], "Fill rate", suffix="%"),
            "link": report_link("class-fill", start=recent.first, end=recent.last),
        })  # fmt: skip
    return charts


def dashboard_callback(request, context: dict) -> dict:
    user = request.user
    sections = allowed_sections(user)
    today, now = timezone.localdate(), timezone.now()
    numbers = dashboard_numbers(sections=sections, today=today, now=now)
    cards = []
    if "members" in sections:
        cards += _member_cards(numbers["members"], today)
    if "money" in sections:
        cards += _money_cards(numbers["money"], today, user.has_perm("billing.view_payment"))
    if "checkins" in sections:
        cards += _checkin_cards(numbers["checkins"])
    classes = _classes_block(numbers["classes"], today) if "classes" in sections else None
    if classes:
        cards.append(classes["card"])
    if "stock" in sections:
        cards.append(_card("Low-stock items", numbers["stock"]["low"], admin_link("admin:inventory_sku_low_stock"),
                           icon="production_quantity_limits"))  # fmt: skip
    if "support" in sections:
        cards.append(_card("Open tickets", numbers["support"]["open"],
                           admin_link("admin:support_ticket_changelist", {"status__in": "OPEN,WAITING"}),
                           icon="support_agent"))  # fmt: skip
    if "leads" in sections:
        leads = admin_link("admin:leads_lead_changelist", {"status": "NEW"})
        cards.append(_card("New leads", numbers["leads"]["new"], leads, icon="person_add"))
    context.update(
        {
            "dashboard": {
                "today": today,
                "cards": cards,
                "classes": classes,
                "charts": _charts(numbers, sections, today),
                "reports_link": admin_link("admin:reports_index"),
                "chart_minutes": round(chart_cache_seconds() / 60),
            }
        }
    )
    return context
