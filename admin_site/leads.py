"""The leads inbox: applications from /apply/, newest first, with status,
assignee, follow-up date, age and a duplicate flag; actions to work them
(contacted, trial, lost, assign to me, add a note) and to convert one into a
member in one step. Writes go through core.leads.services."""

import datetime

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince
from unfold.decorators import display
from unfold.widgets import UnfoldAdminTextareaWidget

from admin_site.base import GymModelAdmin
from admin_site.lead_actions import LeadActionsMixin, member_url
from admin_site.service_forms import ServiceFormAdminMixin, call_service
from core.accounts.models import User
from core.leads.models import Lead
from core.leads.selectors import lead_duplicates, leads_with_duplicate_flags, new_leads_count
from core.leads.services import EDITABLE_FIELDS, lead_assign, lead_update

STATUS_LABELS = {"NEW": "info", "CONTACTED": "warning", "TRIAL": "primary", "CONVERTED": "success", "LOST": "danger"}


def new_leads_badge() -> str:
    """Sidebar badge: how many applications nobody has looked at yet."""
    count = new_leads_count()
    return str(count) if count else ""


class LeadAdminForm(forms.ModelForm):
    class Meta:
        model = Lead
        fields = [*sorted(EDITABLE_FIELDS), "assignee"]
        widgets = {"goals": UnfoldAdminTextareaWidget(attrs={"rows": 3})}


class LeadStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", "Open (new, contacted, on trial)"), *Lead.Status.choices]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(status__in=Lead.OPEN_STATUSES)
        if self.value() in Lead.Status.values:
            return queryset.filter(status=self.value())
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = "assignee"
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        staff = User.objects.filter(role__in=User.STAFF_ROLES, is_active=True).order_by("first_name")
        return [("me", "Assigned to me"), ("none", "Unassigned"), *((str(u.pk), u.full_name or u.email) for u in staff)]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset


class FollowUpFilter(admin.SimpleListFilter):
    title = "follow-up"
    parameter_name = "follow_up"

    def lookups(self, request, model_admin):
        return [("due", "Due today or overdue"), ("week", "In the next 7 days"), ("none", "No date set")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        open_leads = queryset.filter(status__in=Lead.OPEN_STATUSES)
        if self.value() == "due":
            return open_leads.filter(follow_up_on__lte=today)
        if self.value() == "week":
            return open_leads.filter(follow_up_on__gt=today, follow_up_on__lte=today + datetime.timedelta(days=7))
        if self.value() == "none":
            return open_leads.filter(follow_up_on__isnull=True)
        return queryset


@admin.register(Lead)
class LeadAdmin(LeadActionsMixin, ServiceFormAdminMixin, GymModelAdmin):
    form = LeadAdminForm
    list_display = ["name", "email", "phone", "status_badge", "assignee_name", "follow_up", "age", "duplicate", "plan"]
    list_display_links = ["name"]
    list_select_related = ["assignee", "plan"]
    list_filter = [LeadStatusFilter, AssigneeFilter, FollowUpFilter, "heard_from", "plan"]
    search_fields = ["name", "email", "phone"]
    search_help_text = "Name, email or phone"
    ordering = ["-created_at"]
    readonly_fields = ["status", "created_at", "consented_at", "source_ip", "member_link", "duplicates", "timeline"]
    fieldsets = [
        ("Inbox", {"fields": ["status", "assignee", "follow_up_on", "member_link"]}),
        ("Possible duplicates (staff only)", {"fields": ["duplicates"]}),
        (
            "Application",
            {
                "fields": [
                    "name",
                    "email",
                    "phone",
                    "plan",
                    "preferred_start",
                    "goals",
                    "heard_from",
                    "heard_from_other",
                    "created_at",
                    "consented_at",
                    "source_ip",
                ]  # fmt: skip
            },
        ),
        ("Timeline", {"fields": ["timeline"]}),
    ]
    actions = ["mark_contacted", "mark_trial", "mark_lost", "assign_to_me", "add_note"]
    actions_detail = ["convert_one", "contacted_one", "trial_one", "lost_one", "assign_me_one", "note_one"]

    def get_queryset(self, request):
        return leads_with_duplicate_flags(super().get_queryset(request))

    def has_add_permission(self, request):
        return False  # leads come from the public form

    def get_actions_detail(self, request, object_id):
        actions = super().get_actions_detail(request, object_id)
        lead = Lead.objects.filter(pk=object_id if str(object_id).isdigit() else None).only("status").first()
        if lead is not None and lead.status == Lead.Status.CONVERTED:
            return [a for a in actions if a.action_name.endswith("note_one")]  # closed: notes only
        return actions

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == Lead.Status.CONVERTED:
            return [*self.readonly_fields, *LeadAdminForm.Meta.fields]  # a converted lead is a closed record
        return self.readonly_fields

    # --- the list -------------------------------------------------------------------

    @display(description="Status", ordering="status", label=STATUS_LABELS)
    def status_badge(self, obj):
        return obj.status, obj.get_status_display()

    @display(description="Assignee", ordering="assignee__first_name")
    def assignee_name(self, obj):
        return (obj.assignee.full_name or obj.assignee.email) if obj.assignee_id else "-"

    @display(description="Follow up", ordering="follow_up_on")
    def follow_up(self, obj):
        if obj.follow_up_on is None:
            return "-"
        late = obj.is_open and obj.follow_up_on < timezone.localdate()
        return f"{obj.follow_up_on:%d %b %Y}{' (overdue)' if late else ''}"

    @display(description="Age", ordering="created_at")
    def age(self, obj):
        return timesince(obj.created_at, depth=1)

    @display(description="Duplicate?", label={"Member": "danger", "Open lead": "warning"})
    def duplicate(self, obj):
        if not obj.is_open:
            return "-"
        if getattr(obj, "member_match", False):
            return "Member"
        return "Open lead" if getattr(obj, "lead_match", False) else "-"

    # --- the lead page -----------------------------------------------------------------

    @display(description="Member")
    def member_link(self, obj):
        if not obj.member_id:
            return "-"
        return format_html('<a href="{}" class="text-primary-600">{}</a>', member_url(obj.member_id), obj.member)

    @display(description="Matches")
    def duplicates(self, obj):
        found = lead_duplicates(lead=obj)
        if not found:
            return "No member or open lead has this email or phone."
        members = format_html_join(
            "", '<li>Member <a href="{}" class="text-primary-600">{}</a> ({}, {}){}</li>',
            ((member_url(m.pk), m, m.email or "-", m.phone or "-", " - deleted" if m.deleted_at else "")
             for m in found.members),
        )  # fmt: skip
        leads = format_html_join(
            "", '<li>Lead <a href="{}" class="text-primary-600">{}</a> ({}, {}, {})</li>',
            ((reverse("admin:leads_lead_change", args=[lead.pk]), lead.name, lead.email, lead.phone,
              lead.get_status_display()) for lead in found.leads),
        )  # fmt: skip
        return format_html('<ul class="list-disc ml-5">{}{}</ul>', members, leads)

    @display(description="Notes and changes")
    def timeline(self, obj):
        notes = obj.notes.select_related("author")
        if not notes:
            return "Nothing yet."
        rows = format_html_join(
            "", '<li class="mb-2"><span class="text-font-subtle-light">{} · {}</span><br>{}</li>',
            ((f"{timezone.localtime(n.at):%d %b %Y %H:%M}", n.author.full_name if n.author_id else "GymOS", n.text)
             for n in notes),
        )  # fmt: skip
        return format_html('<ul class="whitespace-pre-line">{}</ul>', rows)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {name: data[name] for name in form.changed_data if name in EDITABLE_FIELDS}
        if fields:
            call_service(lead_update, lead=obj, by=request.user, **fields)
        if "assignee" in form.changed_data:
            call_service(lead_assign, lead=obj, assignee=data["assignee"], by=request.user)
        obj.refresh_from_db()
