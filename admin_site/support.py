"""The support queue: members' tickets with filters by status, category,
assignee and age. On a ticket's page staff read the thread, reply (with an
image if needed; the member is emailed), assign and change the status, all
through core.support.services."""

import datetime

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminFileFieldWidget, UnfoldAdminTextareaWidget

from admin_site.action_forms import apply_to_each
from admin_site.base import GymModelAdmin
from admin_site.leads import AssigneeFilter
from admin_site.service_forms import ServiceFormAdminMixin, call_service
from core.support.models import BODY_MAX, Ticket
from core.support.selectors import awaiting_staff_count, ticket_thread, tickets_with_counts
from core.support.services import ticket_assign, ticket_reply, ticket_set_status

STATUS_LABELS = {"OPEN": "warning", "WAITING": "info", "CLOSED": "success"}
REPLY_FIELDS = ["reply", "reply_image"]


def open_tickets_badge() -> str:
    """Sidebar badge: tickets waiting for a staff answer."""
    count = awaiting_staff_count()
    return str(count) if count else ""


class TicketAdminForm(forms.ModelForm):
    reply = forms.CharField(
        label="Reply to the member",
        max_length=BODY_MAX,
        required=False,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 5}),
        help_text="Sent to the member by email and shown on their page. The ticket then waits for the member.",
    )
    reply_image = forms.FileField(
        label="Image",
        required=False,
        widget=UnfoldAdminFileFieldWidget,
        help_text="Optional: JPEG, PNG or WebP, up to 5 MB.",
    )

    class Meta:
        model = Ticket
        fields = ["status", "assignee"]


class AgeFilter(admin.SimpleListFilter):
    """Tickets still open (not closed) that were opened more than N days ago."""

    title = "age"
    parameter_name = "age"
    DAYS = {"1": 1, "3": 3, "7": 7}

    def lookups(self, request, model_admin):
        return [("1", "Open for over a day"), ("3", "Open for over 3 days"), ("7", "Open for over a week")]

    def queryset(self, request, queryset):
        days = self.DAYS.get(self.value() or "")
        if days is None:
            return queryset
        since = timezone.now() - datetime.timedelta(days=days)
        return queryset.exclude(status=Ticket.Status.CLOSED).filter(created_at__lte=since)


@admin.register(Ticket)
class TicketAdmin(ServiceFormAdminMixin, GymModelAdmin):
    form = TicketAdminForm
    list_display = [
        "number", "subject", "member_name", "category", "status_badge", "assignee_name", "age", "last_reply_at",
        "reply_count",
    ]  # fmt: skip
    list_display_links = ["number", "subject"]
    list_select_related = ["member__user", "assignee"]
    list_filter = ["status", "category", AssigneeFilter, AgeFilter]
    search_fields = ["subject", "member__code", "member__user__email", "member__user__first_name"]
    search_help_text = "Subject, member code, name or email"
    ordering = ["-last_reply_at"]
    readonly_fields = ["member_link", "subject", "category", "created_at", "closed_at", "thread"]
    service_error_fields = {"body": "reply", "attachment": "reply_image"}
    actions = ["assign_to_me", "close_tickets", "reopen_tickets"]

    def get_queryset(self, request):
        return tickets_with_counts(super().get_queryset(request))

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            ("Ticket", {"fields": ["member_link", "subject", "category", "created_at", "closed_at"]}),
            ("Conversation", {"fields": ["thread"]}),
        ]
        if request.user.has_perm("support.add_ticketreply"):
            fieldsets.append(("Reply", {"fields": REPLY_FIELDS}))
        return [*fieldsets, ("Handling", {"fields": ["status", "assignee"]})]

    def has_add_permission(self, request):
        return False  # members open tickets from the portal

    # --- the list -------------------------------------------------------------------

    @display(description="#", ordering="pk")
    def number(self, obj):
        return f"#{obj.pk}"

    @display(description="Member", ordering="member__code")
    def member_name(self, obj):
        return f"{obj.member.code} {obj.member.display_name}"

    @display(description="Status", ordering="status", label=STATUS_LABELS)
    def status_badge(self, obj):
        return obj.status, obj.get_status_display()

    @display(description="Assignee", ordering="assignee__first_name")
    def assignee_name(self, obj):
        return (obj.assignee.full_name or obj.assignee.email) if obj.assignee_id else "-"

    @display(description="Age", ordering="created_at")
    def age(self, obj):
        return timesince(obj.created_at, depth=1)

    @display(description="Messages", ordering="reply_count")
    def reply_count(self, obj):
        return obj.reply_count

    # --- the ticket page -------------------------------------------------------------

    @display(description="Member")
    def member_link(self, obj):
        url = reverse("admin:members_member_change", args=[obj.member_id])
        return format_html('<a href="{}" class="text-primary-600">{}</a>', url, obj.member)

    @display(description="Messages")
    def thread(self, obj):
        def image(reply):
            if not reply.attachment:
                return ""
            url = reverse("portal:support_attachment", args=[reply.pk])
            return format_html(
                '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="Attached image" '
                'style="max-width:320px;max-height:240px;border-radius:6px;margin-top:6px"></a>',
                url, url,
            )  # fmt: skip

        def who(reply):
            name = reply.author.full_name if reply.author_id else "(removed)"
            return f"{name} (staff)" if reply.by_staff else f"{name} (member)"

        rows = format_html_join(
            "",
            '<li class="mb-3 p-3 rounded-default border border-base-200 {}"><div class="text-font-subtle-light">'
            '{} · {}</div><div class="whitespace-pre-line">{}</div>{}</li>',
            (("bg-primary-50" if r.by_staff else "", who(r), f"{timezone.localtime(r.at):%d %b %Y %H:%M}", r.body,
              image(r)) for r in ticket_thread(ticket=obj)),
        )  # fmt: skip
        return format_html('<ul class="max-w-3xl">{}</ul>', rows)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        body, image = data.get("reply", ""), data.get("reply_image")
        if (body or image) and request.user.has_perm("support.add_ticketreply"):
            call_service(ticket_reply, ticket=obj, author=request.user, body=body, attachment=image)
        if "status" in form.changed_data:
            call_service(ticket_set_status, ticket=obj, status=data["status"], by=request.user)
        if "assignee" in form.changed_data:
            call_service(ticket_assign, ticket=obj, assignee=data["assignee"], by=request.user)
        obj.refresh_from_db()

    # --- actions on the list ------------------------------------------------------------

    @action(description="Assign to me", permissions=["change"])
    def assign_to_me(self, request, queryset):
        apply_to_each(
            request, self, queryset, lambda t, data: ticket_assign(ticket=t, assignee=request.user, by=request.user),
            {}, "{count} ticket(s) assigned to you.",
        )  # fmt: skip

    @action(description="Close", permissions=["change"])
    def close_tickets(self, request, queryset):
        apply_to_each(
            request, self, queryset,
            lambda t, data: ticket_set_status(ticket=t, status=Ticket.Status.CLOSED, by=request.user),
            {}, "{count} ticket(s) closed.",
        )  # fmt: skip

    @action(description="Reopen", permissions=["change"])
    def reopen_tickets(self, request, queryset):
        apply_to_each(
            request, self, queryset,
            lambda t, data: ticket_set_status(ticket=t, status=Ticket.Status.OPEN, by=request.user),
            {}, "{count} ticket(s) reopened.",
        )  # fmt: skip
