"""Membership freezes in the admin: a read-only log; new freezes and ending
one early go through core.memberships.freezes."""

from django import forms
from django.contrib import admin
from django.utils import timezone
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminSelect2Widget

from admin_site.action_forms import apply_to_each
from admin_site.memberships import ReadOnlyRecordAdmin
from admin_site.service_forms import ServiceFormAdminMixin, call_service
from core.memberships.freezes import freeze_create, freeze_end_early
from core.memberships.models import Membership, MembershipFreeze


class MembershipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.member} · {obj}"


class FreezeAddForm(forms.ModelForm):
    membership = MembershipChoiceField(queryset=Membership.objects.none(), widget=UnfoldAdminSelect2Widget)

    class Meta:
        model = MembershipFreeze
        fields = ["membership", "starts_on", "ends_on", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Terms that have not ended, of members who are not deleted.
        self.fields["membership"].queryset = (
            Membership.objects.filter(
                status=Membership.Status.ACTIVE,
                ends_on__gte=timezone.localdate(),
                member__deleted_at__isnull=True,
            )
            .select_related("member__user", "plan")
            .order_by("member__code", "starts_on")
        )


@admin.register(MembershipFreeze)
class MembershipFreezeAdmin(ServiceFormAdminMixin, ReadOnlyRecordAdmin):
    list_display = ["member_display", "membership", "starts_on", "ends_on", "days", "reason", "created_by"]
    list_select_related = ["membership__member__user", "membership__plan", "created_by"]
    list_filter = [("starts_on", admin.DateFieldListFilter)]
    search_fields = [
        "membership__member__code",
        "membership__member__user__first_name",
        "membership__member__user__last_name",
    ]
    search_help_text = "Member code or name"
    fields = ["membership", "starts_on", "ends_on", "reason", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]
    actions = ["end_early"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = FreezeAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return FreezeAddForm._meta.fields if obj is None else self.fields

    @display(description="Member", ordering="membership__member__code")
    def member_display(self, obj):
        return str(obj.membership.member)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        freeze = call_service(
            freeze_create,
            membership=data["membership"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            reason=data["reason"],
            by=request.user,
        )
        obj.pk = freeze.pk
        obj.refresh_from_db()

    def has_end_early_permission(self, request, obj=None):
        return request.user.has_perm("memberships.change_membershipfreeze")

    @action(description="End early (today)", permissions=["end_early"])
    def end_early(self, request, queryset):
        apply_to_each(
            request,
            self,
            queryset,
            lambda freeze, data: freeze_end_early(freeze=freeze, by=request.user),
            {},
            "{count} freeze(s) ended; unused days came off the membership.",
        )
