"""Plans, facilities and memberships in the admin (freezes: freezes.py).
Selling, cancelling and freezing go through core.memberships services;
membership pages are read-only records."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from unfold.admin import TabularInline
from unfold.decorators import action, display

from admin_site.action_forms import (
    ConfirmForm,
    DateRangeReasonForm,
    ReasonForm,
    bulk_action_with_form,
    detail_action_with_form,
)
from admin_site.base import GymModelAdmin
from admin_site.resources.plans import PlanImportExportMixin
from admin_site.service_forms import ServiceFormAdminMixin, call_service
from core.billing.services.purchases import membership_sell
from core.common.money import format_money
from core.memberships.freezes import freeze_create
from core.memberships.models import Facility, Membership, MembershipFreeze, Plan
from core.memberships.selectors import plans_with_member_counts
from core.memberships.services import PLAN_IN_USE, membership_cancel, plan_delete


def _roster_url(plan: Plan) -> str:
    return reverse("admin:members_member_changelist") + f"?plan={plan.pk}"


@admin.register(Facility)
class FacilityAdmin(GymModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]


@admin.register(Plan)
class PlanAdmin(PlanImportExportMixin, GymModelAdmin):
    list_display = ["name", "price_display", "interval", "class_credits", "is_active", "members_on_plan"]
    list_filter = ["is_active", "interval_unit", "facilities"]
    search_fields = ["name"]
    filter_horizontal = ["facilities"]
    readonly_fields = ["roster"]
    fieldsets = [
        (None, {"fields": ["name", "price", "interval_count", "interval_unit", "class_credits", "is_active"]}),
        ("What members get", {"fields": ["perks", "facilities"]}),
        ("Members", {"fields": ["roster"]}),
    ]
    actions = ["delete_plans"]

    def get_queryset(self, request):
        return plans_with_member_counts(super().get_queryset(request))

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # replaced by delete_plans, which keeps plans that have members
        return actions

    @display(description="Price", ordering="price")
    def price_display(self, obj):
        return format_money(obj.price)

    @display(description="Every", ordering="interval_unit")
    def interval(self, obj):
        return obj.interval_label

    @display(description="Members now", ordering="member_count")
    def members_on_plan(self, obj):
        return format_html('<a href="{}">{}</a>', _roster_url(obj), obj.member_count)

    @display(description="Roster")
    def roster(self, obj):
        if obj.pk is None:
            return "-"
        return format_html(
            '<a href="{}" class="text-primary-600">{} member(s) on this plan now: '
            "see them with their status and end date</a>",
            _roster_url(obj),
            obj.member_count,
        )

    def delete_view(self, request, object_id, extra_context=None):
        plan = self.get_object(request, unquote(object_id))
        if plan is not None and plan.memberships.exists():
            self.message_user(request, PLAN_IN_USE, messages.ERROR)
            return redirect(reverse("admin:memberships_plan_change", args=[plan.pk]))
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as exc:  # a membership was sold meanwhile; the delete was rolled back
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return redirect(reverse("admin:memberships_plan_changelist"))

    def delete_model(self, request, obj):
        plan_delete(plan=obj)

    @action(description="Delete plans that never had members", permissions=["delete"])
    def delete_plans(self, request, queryset):
        return bulk_action_with_form(
            self,
            request,
            queryset,
            form_class=ConfirmForm,
            title="Delete plans",
            intro="Plans that have (or had) members are kept: deactivate those instead.",
            apply=lambda plan, data: plan_delete(plan=plan),
            success="{count} plan(s) deleted.",
            submit="Delete",
        )


class FreezeInline(TabularInline):
    model = MembershipFreeze
    fields = ["starts_on", "ends_on", "days", "reason", "created_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MembershipAddForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["member", "plan", "starts_on", "note"]
        help_texts = {"starts_on": "Today if left empty. The end date and price come from the plan."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = Plan.objects.filter(is_active=True)
        self.fields["starts_on"].required = False


class ReadOnlyRecordAdmin(GymModelAdmin):
    """Records written only by services: pages are read-only, rows are never deleted."""

    def has_change_permission(self, request, obj=None):
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(ServiceFormAdminMixin, ReadOnlyRecordAdmin):
    list_display = ["member_display", "plan", "starts_on", "ends_on", "price_display", "status"]
    list_select_related = ["member__user", "plan"]
    list_filter = ["status", "plan", ("ends_on", admin.DateFieldListFilter)]
    search_fields = ["member__code", "member__user__first_name", "member__user__last_name", "member__user__email"]
    search_help_text = "Member code, name or email"
    autocomplete_fields = ["member"]
    date_hierarchy = "starts_on"
    inlines = [FreezeInline]
    readonly_fields = ["price", "renewed_from", "created_by", "created_at"]
    fields = ["member", "plan", "starts_on", "ends_on", "price", "status", "renewed_from", "note", "created_by"]
    actions = ["cancel"]
    actions_detail = ["cancel_one", "freeze_one"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = MembershipAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return MembershipAddForm._meta.fields if obj is None else self.fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    @display(description="Member", ordering="member__code")
    def member_display(self, obj):
        return str(obj.member)

    @display(description="Price", ordering="price")
    def price_display(self, obj):
        return format_money(obj.price)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        # Selling a term issues its invoice; the member is ACTIVE once it is paid.
        membership = call_service(
            membership_sell,
            member=data["member"],
            plan=data["plan"],
            starts_on=data.get("starts_on") or None,
            by=request.user,
            note=data.get("note", ""),
        )
        obj.pk = membership.pk
        obj.refresh_from_db()

    def has_cancel_permission(self, request, obj=None):
        return request.user.has_perm("memberships.change_membership")

    def has_freeze_permission(self, request, obj=None):
        return request.user.has_perm("memberships.add_membershipfreeze")

    @action(description="Cancel (with a reason)", permissions=["cancel"])
    def cancel(self, request, queryset):
        return bulk_action_with_form(
            self,
            request,
            queryset,
            form_class=ReasonForm,
            title="Cancel memberships",
            intro="A cancelled term no longer lets the member in; the record and its payment stay.",
            apply=lambda membership, data: membership_cancel(
                membership=membership, reason=data["reason"], by=request.user
            ),
            success="{count} membership(s) cancelled.",
            submit="Cancel memberships",
        )

    def _detail(self, request, object_id, **kwargs):
        membership = self.get_object(request, object_id)
        if membership is None:
            raise Http404("No such membership.")
        back = reverse("admin:memberships_membership_change", args=[membership.pk])
        return detail_action_with_form(self, request, membership, back_url=back, **kwargs)

    @action(description="Cancel", url_path="cancel", permissions=["cancel"], icon="cancel")
    def cancel_one(self, request, object_id):
        return self._detail(
            request,
            object_id,
            form_class=ReasonForm,
            title="Cancel the membership",
            intro="A cancelled term no longer lets the member in; the record and its payment stay.",
            apply=lambda membership, data: membership_cancel(
                membership=membership, reason=data["reason"], by=request.user
            ),
            success="Membership cancelled.",
            submit="Cancel the membership",
        )

    @action(description="Freeze", url_path="freeze", permissions=["freeze"], icon="ac_unit")
    def freeze_one(self, request, object_id):
        return self._detail(
            request,
            object_id,
            form_class=DateRangeReasonForm,
            title="Freeze the membership",
            intro="The member cannot book or check in during the freeze; the end date moves out by the frozen days.",
            apply=lambda membership, data: freeze_create(membership=membership, by=request.user, **data),
            success="Membership frozen.",
            submit="Freeze",
        )
