"""Trainers' certifications in the admin: added or replaced through the
certification services (PDF or image, checked by content, at most 10 MB),
filtered by expiry (the sidebar badge counts those expiring within 30 days);
files open through the access-checked download view."""

import datetime

from django.contrib import admin
from django.utils import timezone
from unfold.decorators import display

from admin_site.base import GymModelAdmin
from admin_site.service_forms import ServiceFormAdminMixin, call_service
from admin_site.staff import STATE_COLOURS, STATE_LABELS, TrainerFilter, certificate_link
from admin_site.staff_forms import CertificationForm
from core.staff.models import Certification
from core.staff.selectors import EXPIRING_DAYS, certification_state
from core.staff.services.certifications import certification_add, certification_remove, certification_update


class CertificationExpiryFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiry"

    def lookups(self, request, model_admin):
        return [("soon", f"Expiring within {EXPIRING_DAYS} days"), ("expired", "Expired"),
                ("valid", "Valid"), ("none", "Does not expire")]  # fmt: skip

    def queryset(self, request, queryset):
        today = timezone.localdate()
        soon = today + datetime.timedelta(days=EXPIRING_DAYS)
        value = self.value()
        if value == "soon":
            return queryset.filter(expires_on__gte=today, expires_on__lte=soon)
        if value == "expired":
            return queryset.filter(expires_on__lt=today)
        if value == "valid":
            return queryset.filter(expires_on__gt=soon)
        if value == "none":
            return queryset.filter(expires_on__isnull=True)
        return queryset


@admin.register(Certification)
class CertificationAdmin(ServiceFormAdminMixin, GymModelAdmin):
    form = CertificationForm
    list_display = ["title", "trainer", "issuer", "expires_on", "state", "file_link"]
    list_select_related = ["trainer__user"]
    list_filter = [CertificationExpiryFilter, TrainerFilter]
    search_fields = ["title", "issuer", "trainer__user__first_name", "trainer__user__last_name"]
    ordering = ["expires_on", "title"]
    readonly_fields = ["file_link", "file_type", "uploaded_by"]
    service_error_fields = {"file": "upload"}

    def get_fieldsets(self, request, obj=None):
        current = ["file_link", "file_type", "uploaded_by"] if obj is not None else []
        return [
            (None, {"fields": ["trainer", "title", "issuer", "expires_on"]}),
            ("File", {"fields": [*current, "upload"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "trainer"] if obj is not None else readonly

    @display(description="State", label=STATE_COLOURS, ordering="expires_on")
    def state(self, obj):
        state = certification_state(obj)
        return state, STATE_LABELS[state]

    @display(description="File")
    def file_link(self, obj):
        return certificate_link(obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {"title": data["title"], "issuer": data.get("issuer", ""), "expires_on": data.get("expires_on"),
                  "upload": data.get("upload") or None}  # fmt: skip
        if change:
            call_service(certification_update, certification=obj, by=request.user, **fields)
        else:
            obj.pk = call_service(certification_add, trainer=data["trainer"], by=request.user, **fields).pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        certification_remove(certification=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for certification in queryset:
            certification_remove(certification=certification, by=request.user)
