"""Members in the admin: the list (fixed number of queries), the member page
with the membership snapshot; adding and editing through the member services.
The actions live in member_actions.py."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.admin import TabularInline
from unfold.decorators import display

from admin_site.base import GymModelAdmin
from admin_site.member_actions import MemberActionsMixin
from admin_site.member_filters import CurrentPlanFilter, DeletedFilter, ExpiringFilter, is_deleted_view
from admin_site.member_forms import MemberAddForm, MemberChangeForm
from admin_site.resources.members import MemberImportExportMixin
from admin_site.service_forms import ServiceFormAdminMixin, call_service
from core.billing.services.purchases import membership_sell
from core.common.money import format_money
from core.members.models import HealthFlag, Member
from core.members.selectors import members_search
from core.members.services import (
    PROFILE_FIELDS,
    member_create,
    member_set_photo,
    member_update,
)
from core.memberships.models import Membership
from core.memberships.selectors import members_with_current_membership, membership_snapshot

PROFILE_FIELDSETS = [
    (
        "Contact",
        {
            "fields": [
                "phone",
                "whatsapp_opt_in",
                "date_of_birth",
                "address",
                "joined_on",
                "photo_preview",
                "photo_upload",
            ]
        },
    ),
    (
        "Emergency contact",
        {"fields": ["emergency_contact_name", "emergency_contact_relation", "emergency_contact_phone"]},
    ),
    ("Health", {"fields": ["health_flags", "health_notes"]}),
    ("Device", {"fields": ["biometric_id"]}),
    ("Trainer", {"fields": ["assigned_trainer"]}),
]


class MembershipInline(TabularInline):
    """The member's terms, newest first; read-only (sell, renew, cancel and freeze through actions)."""

    model = Membership
    fk_name = "member"
    fields = ["plan", "starts_on", "ends_on", "price", "status", "note"]
    readonly_fields = fields
    ordering = ["-starts_on"]
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("plan")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(HealthFlag)
class HealthFlagAdmin(GymModelAdmin):
    list_display = ["name", "description", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]


@admin.register(Member)
class MemberAdmin(MemberImportExportMixin, MemberActionsMixin, ServiceFormAdminMixin, GymModelAdmin):
    form = MemberChangeForm
    list_display = ["code", "name", "email", "phone", "status_badge", "current_plan", "membership_ends", "trainer"]
    list_display_links = ["code", "name"]
    list_select_related = ["user", "assigned_trainer"]
    list_filter = [DeletedFilter, "status", CurrentPlanFilter, ExpiringFilter, "assigned_trainer", "health_flags"]
    search_fields = ["code", "user__first_name", "user__last_name", "user__email", "phone"]
    search_help_text = "Name, code, phone or email"
    ordering = ["code"]
    filter_horizontal = ["health_flags"]
    inlines = [MembershipInline]
    service_error_fields = {"photo": "photo_upload"}
    readonly_fields = [
        "code",
        "account",
        "membership",
        "photo_preview",
        "status",
        "status_changed_at",
        "suspended_reason",
        "deleted_at",
    ]
    fieldsets = [
        ("Account", {"fields": ["code", "account"]}),
        ("Membership", {"fields": ["membership"]}),
        *PROFILE_FIELDSETS,
        ("Status", {"fields": ["status", "status_changed_at", "suspended_reason", "deleted_at"]}),
    ]
    add_fieldsets = [
        ("Account", {"fields": ["email", "first_name", "last_name"]}),
        ("First membership", {"fields": ["initial_plan", "plan_starts_on"]}),
        *[
            (title, {"fields": [f for f in opts["fields"] if f != "photo_preview"]})
            for title, opts in PROFILE_FIELDSETS
        ],
    ]
    actions = ["renew", "freeze", "deactivate", "reactivate", "soft_delete", "restore"]
    actions_detail = ["renew_one", "freeze_one", "deactivate_one", "reactivate_one"]

    # --- the list -------------------------------------------------------------------

    def get_queryset(self, request):
        members = Member.all_objects.deleted() if is_deleted_view(request) else Member.objects.all()
        return members_with_current_membership(members.select_related("user", "assigned_trainer"))

    def get_search_results(self, request, queryset, search_term):
        # search_fields' semantics, in a query that does not join every member to its login.
        return (members_search(queryset, search_term) if search_term else queryset), False

    def get_object(self, request, object_id, from_field=None):
        # A deleted member's page (read-only) and history stay reachable from the Deleted list.
        queryset = members_with_current_membership(Member.all_objects.select_related("user", "assigned_trainer"))
        field = Member._meta.pk if from_field is None else Member._meta.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (Member.DoesNotExist, ValidationError, ValueError):
            return None

    def get_list_display(self, request):
        if is_deleted_view(request):
            return ["code", "name", "email", "phone", "current_plan", "membership_ends", "deleted_at"]
        return super().get_list_display(request)

    def get_actions_detail(self, request, object_id):
        # A deleted member's page is a read-only record: restore first (from the Deleted list).
        if Member.all_objects.filter(pk=object_id if str(object_id).isdigit() else None).deleted().exists():
            return []
        return super().get_actions_detail(request, object_id)

    def get_actions(self, request):
        actions = super().get_actions(request)
        wanted = {"restore"} if is_deleted_view(request) else set(actions) - {"restore"}
        return {name: value for name, value in actions.items() if name in wanted}

    @display(description="Name", ordering="user__last_name")
    def name(self, obj):
        return obj.display_name

    @display(description="Email", ordering="user__email")
    def email(self, obj):
        return obj.email

    @display(description="Status", ordering="status", label={"ACTIVE": "success", "INACTIVE": "danger"})
    def status_badge(self, obj):
        return obj.status, obj.get_status_display()

    @display(description="Plan", ordering="current_plan_name")
    def current_plan(self, obj):
        return obj.current_plan_name or "-"

    @display(description="Membership ends", ordering="current_ends_on")
    def membership_ends(self, obj):
        if obj.current_ends_on is None:
            return "-"
        ended = " (ended)" if obj.current_ends_on < timezone.localdate() else ""
        return f"{obj.current_ends_on:%d %b %Y}{ended}"

    @display(description="Trainer", ordering="assigned_trainer__first_name")
    def trainer(self, obj):
        return obj.assigned_trainer.full_name if obj.assigned_trainer_id else "-"

    # --- the member page -----------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = MemberChangeForm if obj is not None else MemberAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    @display(description="Login")
    def account(self, obj):
        if not obj.user_id:
            return obj.display_name
        url = reverse("admin:accounts_user_change", args=[obj.user_id])
        return format_html('<a href="{}" class="text-primary-600">{}</a> &lt;{}&gt;', url, obj.display_name, obj.email)

    @display(description="Current membership")
    def membership(self, obj):
        # Kept on the member: the admin's read-only field machinery asks for it several times a page.
        if not hasattr(obj, "_snapshot_html"):
            snap = membership_snapshot(member=obj)
            price = format_money(snap.membership.price) if snap.membership else ""
            obj._snapshot_html = render_to_string(
                "admin_site/member_snapshot.html",
                {"snap": snap, "price": price, "suspended_reason": obj.suspended_reason},
            )
        return obj._snapshot_html

    @display(description="Current photo")
    def photo_preview(self, obj):
        if not obj.photo:
            return "No photo yet"
        # Served by the access-checked view, never from a public media URL.
        url = reverse("portal:member_photo", args=[obj.code])
        version = int(obj.updated_at.timestamp())
        return format_html(
            '<img src="{}?v={}" alt="Photo of {}" width="160" style="border-radius:8px">', url, version, obj.code
        )

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.deleted_at:
            return False  # restore first
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # members are soft-deleted (action); their payments and history stay

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        upload = data.get("photo_upload")
        if change:
            fields = {name: data[name] for name in form.changed_data if name in PROFILE_FIELDS}
            flags = list(data["health_flags"]) if "health_flags" in form.changed_data else None
            if fields or flags is not None:
                call_service(member_update, member=obj, by=request.user, health_flags=flags, **fields)
            if upload:
                call_service(member_set_photo, member=obj, upload=upload)
        else:
            member = call_service(
                member_create,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data.get("last_name", ""),
                by=request.user,
                health_flags=list(data.get("health_flags") or []),
                photo=upload or None,
                **{name: data[name] for name in PROFILE_FIELDS if name in data},
            )
            if data.get("initial_plan"):
                call_service(
                    membership_sell,
                    member=member,
                    plan=data["initial_plan"],
                    starts_on=data.get("plan_starts_on") or None,
                    by=request.user,
                )
            obj.pk = member.pk
            messages.info(request, f"A welcome email with a temporary password is on its way to {data['email']}.")
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # Health flags were set by the service; the inline is read-only.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
