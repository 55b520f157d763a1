"""Filters for the member list. They read the annotations of
``members_with_current_membership`` (current plan, end date), so filtering
adds no per-row queries."""

import datetime

from django.contrib import admin
from django.utils import timezone

from core.memberships.models import Plan

DELETED_PARAM = "deleted"


def is_deleted_view(request) -> bool:
    """The member list shows soft-deleted members only when asked (?deleted=1)."""
    return request.GET.get(DELETED_PARAM) == "1"


class DeletedFilter(admin.SimpleListFilter):
    """Switches between current and soft-deleted members. The switch itself
    happens in MemberAdmin.get_queryset: the default manager hides deleted rows."""

    title = "list"
    parameter_name = DELETED_PARAM

    def lookups(self, request, model_admin):
        return [("1", "Deleted members")]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "Current members",
        }
        yield {
            "selected": self.value() == "1",
            "query_string": changelist.get_query_string({self.parameter_name: "1"}),
            "display": "Deleted members",
        }

    def queryset(self, request, queryset):
        return queryset


class CurrentPlanFilter(admin.SimpleListFilter):
    """Members by the plan of their latest membership (the plan's roster)."""

    title = "plan"
    parameter_name = "plan"

    def lookups(self, request, model_admin):
        return [(str(pk), name) for pk, name in Plan.objects.order_by("name").values_list("pk", "name")]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(current_plan_id=int(value))
        return queryset


class ExpiringFilter(admin.SimpleListFilter):
    title = "membership ends"
    parameter_name = "expiring"

    def lookups(self, request, model_admin):
        return [("7", "Within 7 days"), ("30", "Within 30 days"), ("expired", "Already ended")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        value = self.value()
        if value in ("7", "30"):
            return queryset.filter(current_ends_on__range=(today, today + datetime.timedelta(days=int(value))))
        if value == "expired":
            return queryset.filter(current_ends_on__lt=today)
        return queryset
