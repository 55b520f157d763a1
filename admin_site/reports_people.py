"""Member reports: renewals due, attendance with the churn-risk list, and the
monthly membership movement (new, renewed, lapsed, churn, MRR)."""

import datetime

from django.utils import timezone

from admin_site.reports import Column, Report, ReportForm, Table, choice_input, member_link, register
from core.reports import attendance, members
from core.reports.periods import add_months, month_start


def _member_cells(member) -> dict:
    user = member.user
    return {
        "member_id": member.pk,
        "code": member.code,
        "name": member.display_name,
        "email": user.email if user else "",
        "phone": member.phone,
        "whatsapp": member.whatsapp_opt_in,
        "status": member.get_status_display(),
    }


_MEMBER_COLUMNS = [
    Column("code", "Member", link=lambda r: member_link(r["member_id"])),
    Column("name", "Name"),
    Column("phone", "Phone"),
    Column("email", "Email"),
]


@register
class RenewalsReport(Report):
    slug = "renewals"
    title = "Renewals due"
    description = (
        "Memberships ending in the period that have not been renewed (the member's latest), with contact "
        "details and the member's last payment. A past period lists memberships that lapsed."
    )
    icon = "autorenew"
    permissions = ("memberships.view_membership", "members.view_member")

    def default_range(self, today):
        return today, today + datetime.timedelta(days=13)

    def shortcuts(self, today):
        ahead = [
            (f"Next {n} days", {"start": today, "end": today + datetime.timedelta(days=n - 1)}) for n in (7, 14, 30)
        ]
        return [*ahead, ("Lapsed in the last 30 days", {"start": today - datetime.timedelta(days=30),
                                                         "end": today - datetime.timedelta(days=1)})]  # fmt: skip

    def tables(self, req):
        show_payments = req.user.has_perm("billing.view_payment")
        columns = [
            *_MEMBER_COLUMNS,
            Column("whatsapp", "WhatsApp"),
            Column("plan", "Plan"),
            Column("ends_on", "Ends on", "date"),
            Column("days_left", "Days left", "int"),
            Column("status", "Member status"),
        ]
        if show_payments:
            columns += [Column("last_paid_at", "Last payment", "datetime"), Column("last_paid", "Amount", "money")]

        def row(membership):
            return {
                **_member_cells(membership.member),
                "plan": membership.plan.name,
                "ends_on": membership.ends_on,
                "days_left": (membership.ends_on - req.today).days + 1,
                "last_paid_at": membership.last_paid_at,
                "last_paid": membership.last_paid_amount,
            }

        rows = members.renewals_due(first=req.period.first, last=req.period.last)
        return [
            Table(key="renewals", title="Renewals", columns=columns, rows=rows, row=row, paginate=True,
                  empty="No membership ends in this period without a renewal.")
        ]  # fmt: skip


class AttendanceForm(ReportForm):
    not_seen = choice_input("Churn risk: not seen for", [("14", "14 days"), ("30", "30 days")])


@register
class AttendanceReport(Report):
    slug = "attendance"
    title = "Attendance"
    description = (
        "Visits per member in the period (allowed check-ins), and the churn-risk list: active members not seen "
        "for 14 or 30 days (counted from joining if they never came)."
    )
    icon = "directions_walk"
    permissions = ("attendance.view_checkin", "members.view_member")
    form_class = AttendanceForm

    def _days(self, req) -> int:
        return 30 if req.values.get("not_seen") == "30" else 14

    def _risk_counts(self, req) -> dict[int, int]:
        # The summary's counts are also the churn list's length: counted once a page.
        if not hasattr(self, "_risk"):
            self._risk = attendance.churn_counts(today=req.today)
        return self._risk

    def _visit_totals(self, req) -> dict[str, int]:
        # Visits for the summary and visitors for the visits table's length: one query.
        if not hasattr(self, "_visits"):
            self._visits = attendance.visit_totals(req.period)
        return self._visits

    def summary(self, req):
        risk = self._risk_counts(req)
        return [
            ("Visits", f"{self._visit_totals(req)['visits']:,}"),
            ("Not seen for 14+ days", str(risk[14])),
            ("Not seen for 30+ days", str(risk[30])),
        ]

    def tables(self, req):
        days = self._days(req)

        def visit_rows(rows: list[dict]) -> list[dict]:
            members = attendance.members_by_id(row["member"] for row in rows)
            return [
                {**_member_cells(members[row["member"]]), "visits": row["visits"], "last_visit": row["last_visit"]}
                for row in rows
            ]

        def risk_rows(members: list) -> list[dict]:
            return [
                {
                    **_member_cells(member),
                    "last_seen": member.last_visit_at,
                    "days_away": (req.today - timezone.localdate(member.seen_or_joined)).days,
                    "joined_on": member.joined_on,
                }
                for member in members
            ]

        return [
            Table(
                key="visits", title="Visits per member",
                columns=[*_MEMBER_COLUMNS, Column("visits", "Visits", "int"),
                         Column("last_visit", "Last visit", "datetime")],
                rows=attendance.visits_per_member(req.period), rows_for=visit_rows, paginate=True,
                count=self._visit_totals(req)["visitors"], empty="No check-ins in this period.",
            ),
            Table(
                key="risk", title=f"Churn risk: active members not seen for {days}+ days",
                columns=[*_MEMBER_COLUMNS, Column("joined_on", "Joined", "date"),
                         Column("last_seen", "Last visit", "datetime"), Column("days_away", "Days away", "int")],
                rows=attendance.churn_risk(today=req.today, days=days), rows_for=risk_rows, paginate=True,
                count=self._risk_counts(req)[days],
                empty="Every active member came recently.",
            ),
        ]  # fmt: skip


@register
class MembershipMovementReport(Report):
    slug = "movement"
    title = "Membership movement"
    description = (
        "Per month: new memberships, renewals, lapsed memberships (ended with no next term the day after), "
        "churn rate (lapsed ÷ active at the start of the month) and MRR (memberships covering the month's "
        "last day, each price brought to 30 days by its plan's interval)."
    )
    icon = "trending_up"
    permissions = ("memberships.view_membership",)

    def default_range(self, today):
        return add_months(today, -11), today

    def shortcuts(self, today):
        return [
            ("Last 12 months", {"start": add_months(today, -11), "end": today}),
            ("This year", {"start": today.replace(month=1, day=1), "end": today}),
        ]

    def tables(self, req):
        show_money = req.user.has_perm("billing.view_invoice")
        rows = members.membership_movement_now(
            first_month=month_start(req.period.first), last_month=req.period.last, today=req.today
        )
        columns = [
            Column("month", "Month"),
            Column("active_start", "Active at start", "int"),
            Column("new", "New", "int"),
            Column("renewed", "Renewed", "int"),
            Column("lapsed", "Lapsed", "int"),
            Column("churn_rate", "Churn rate %", "decimal"),
            Column("active_end", "Active at end", "int"),
        ]
        if show_money:
            columns.append(Column("mrr", "MRR", "money"))
        shown = [{**row, "month": f"{row['month']:%b %Y}"} for row in rows]
        return [Table(key="months", title="Per month", columns=columns, rows=shown)]
