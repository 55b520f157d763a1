"""Actions of the member admin: renew, freeze, deactivate and reactivate (on the
list and on a member's page), soft delete, and restore (admins, Deleted list)."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from unfold.decorators import action

from admin_site.action_forms import (
    ConfirmForm,
    DateRangeReasonForm,
    OptionalReasonForm,
    ReasonForm,
    apply_to_each,
    bulk_action_with_form,
    detail_action_with_form,
)
from core.billing.services.purchases import membership_renew_invoiced
from core.members.models import Member
from core.members.services import member_restore, member_soft_delete, member_suspend, member_unsuspend
from core.memberships.freezes import freeze_create
from core.memberships.selectors import membership_on


def _freeze(member: Member, data: dict, by):
    membership = membership_on(member=member, on=data["starts_on"])
    if membership is None:
        raise ValidationError("There is no membership to freeze.")
    return freeze_create(
        membership=membership, starts_on=data["starts_on"], ends_on=data["ends_on"], reason=data["reason"], by=by
    )


class MemberActionsMixin:
    """Mixed into MemberAdmin; each action calls a service per member."""

    def has_soft_delete_permission(self, request, obj=None):
        return request.user.has_perm("members.delete_member")

    def has_restore_permission(self, request, obj=None):
        return request.user.is_admin

    def has_suspend_permission(self, request, obj=None):
        return request.user.has_perm("members.change_member")

    def has_sell_permission(self, request, obj=None):
        return request.user.has_perm("memberships.add_membership")

    def has_freeze_permission(self, request, obj=None):
        return request.user.has_perm("memberships.add_membershipfreeze")

    # --- actions on the list -------------------------------------------------------

    @action(description="Renew (next term of the current plan)", permissions=["sell"])
    def renew(self, request, queryset):
        return bulk_action_with_form(
            self,
            request,
            queryset,
            form_class=ConfirmForm,
            title="Renew memberships",
            intro="Each member gets the next term of their latest plan, from the day after it ends "
            "(or today if it has lapsed).",
            apply=lambda member, data: membership_renew_invoiced(member=member, by=request.user),
            success="{count} membership(s) renewed.",
            submit="Renew",
        )

    @action(description="Freeze membership", permissions=["freeze"])
    def freeze(self, request, queryset):
        return bulk_action_with_form(
            self,
            request,
            queryset,
            form_class=DateRangeReasonForm,
            title="Freeze memberships",
            intro="The members cannot book or check in during the freeze; their end date moves out by the frozen days.",
            apply=lambda member, data: _freeze(member, data, request.user),
            success="{count} membership(s) frozen.",
            submit="Freeze",
        )

    @action(description="Deactivate (with a reason)", permissions=["suspend"])
    def deactivate(self, request, queryset):
        return bulk_action_with_form(
            self,
            request,
            queryset,
            form_class=ReasonForm,
            title="Deactivate members",
            intro="They stay inactive, whatever their membership, until someone reactivates them.",
            apply=lambda member, data: member_suspend(member=member, reason=data["reason"], by=request.user),
            success="{count} member(s) deactivated.",
            submit="Deactivate",
        )

    @action(description="Reactivate", permissions=["suspend"])
    def reactivate(self, request, queryset):
        apply_to_each(
            request,
            self,
            queryset,
            lambda member, data: member_unsuspend(member=member, by=request.user),
            {},
            "{count} member(s) reactivated; those with a paid membership covering today are active again.",
        )

    @action(description="Delete (can be restored by an admin)", permissions=["soft_delete"])
    def soft_delete(self, request, queryset):
        return bulk_action_with_form(
            self,
            request,
            queryset,
            form_class=OptionalReasonForm,
            title="Delete members",
            intro="They disappear from lists and can no longer log in; their payments and history stay. "
            "An admin can restore them from Deleted members.",
            apply=lambda member, data: member_soft_delete(member=member, by=request.user, reason=data["reason"]),
            success="{count} member(s) deleted.",
            submit="Delete",
        )

    @action(description="Restore", permissions=["restore"])
    def restore(self, request, queryset):
        apply_to_each(
            request,
            self,
            queryset,
            lambda member, data: member_restore(member=member, by=request.user),
            {},
            "{count} member(s) restored.",
        )

    # --- actions on the member page ------------------------------------------------

    def _detail(self, request, object_id, **kwargs):
        member = self.get_object(request, object_id)
        if member is None or member.deleted_at:
            raise Http404("No such member.")
        back = reverse("admin:members_member_change", args=[member.pk])
        return detail_action_with_form(self, request, member, back_url=back, **kwargs)

    @action(description="Renew", url_path="renew", permissions=["sell"], icon="autorenew")
    def renew_one(self, request, object_id):
        return self._detail(
            request,
            object_id,
            form_class=ConfirmForm,
            title="Renew the membership",
            intro="Sells the next term of the member's latest plan, from the day after it ends "
            "(or today if it has lapsed).",
            apply=lambda member, data: membership_renew_invoiced(member=member, by=request.user),
            success="Membership renewed.",
            submit="Renew",
        )

    @action(description="Freeze", url_path="freeze", permissions=["freeze"], icon="ac_unit")
    def freeze_one(self, request, object_id):
        return self._detail(
            request,
            object_id,
            form_class=DateRangeReasonForm,
            title="Freeze the membership",
            intro="The member cannot book or check in during the freeze; the end date moves out by the frozen days.",
            apply=lambda member, data: _freeze(member, data, request.user),
            success="Membership frozen.",
            submit="Freeze",
        )

    @action(description="Deactivate", url_path="deactivate", permissions=["suspend"], icon="block")
    def deactivate_one(self, request, object_id):
        return self._detail(
            request,
            object_id,
            form_class=ReasonForm,
            title="Deactivate the member",
            intro="The member stays inactive, whatever their membership, until someone reactivates them.",
            apply=lambda member, data: member_suspend(member=member, reason=data["reason"], by=request.user),
            success="Member deactivated.",
            submit="Deactivate",
        )

    @action(description="Reactivate", url_path="reactivate", permissions=["suspend"], icon="check_circle")
    def reactivate_one(self, request, object_id):
        return self._detail(
            request,
            object_id,
            form_class=ConfirmForm,
            title="Reactivate the member",
            intro="Lifts a deactivation; the member is active again if a paid membership covers today.",
            apply=lambda member, data: member_unsuspend(member=member, by=request.user),
            success="Member reactivated.",
            submit="Reactivate",
        )
