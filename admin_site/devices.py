"""Door devices in the admin: devices with their health (last successful poll,
last error, punches today, clock drift), the raw punches, and the commands
queued for push devices. Polling and access sync run through devices.services."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from admin_site.base import GymModelAdmin
from admin_site.paginators import EstimatedCountPaginator
from core.attendance.selectors import start_of_day
from devices.access import device_access_sync
from devices.models import Device, DeviceCommand, Punch
from devices.services import device_poll, device_save


class DeviceForm(forms.ModelForm):
    """The comm key is write-only: never shown again, empty keeps the current one."""

    new_comm_password = forms.IntegerField(
        label="Comm key",
        required=False,
        min_value=0,
        max_value=999999,
        widget=forms.PasswordInput(render_value=False),
        help_text="The number set under the device's communication settings (0 for none). "
        "Leave empty to keep the current one.",
    )

    class Meta:
        model = Device
        fields = ["name", "mode", "host", "port", "serial_number", "time_zone", "sync_clock", "is_active"]

    def save(self, commit=True):
        # The admin saves with commit=False and then calls save_model (device_save).
        device = super().save(commit=False)
        if self.cleaned_data.get("new_comm_password") is not None:
            device.comm_password = self.cleaned_data["new_comm_password"]
        if commit:
            device_save(device=device)
        return device


HEALTH_FIELDS = [
    "health",
    "last_polled_at",
    "last_success_at",
    "last_error_at",
    "last_error",
    "consecutive_failures",
    "next_poll_after",
    "clock_drift",
    "punches_today",
    "record_size",
    "user_record_size",
    "firmware_version",
    "platform",
    "log_records",
]


@admin.register(Device)
class DeviceAdmin(GymModelAdmin):
    form = DeviceForm
    list_display = [
        "name",
        "mode",
        "address",
        "serial_number",
        "is_active",
        "health",
        "last_success_at",
        "short_error",
        "punches_today",
        "clock_drift",
    ]
    list_filter = ["mode", "is_active"]
    search_fields = ["name", "serial_number", "host"]
    readonly_fields = HEALTH_FIELDS
    actions = ["poll_now", "sync_access_now"]
    fieldsets = [
        (None, {"fields": ["name", "mode", "is_active"]}),
        ("Connection", {"fields": ["host", "port", "new_comm_password", "serial_number"]}),
        ("Clock", {"fields": ["time_zone", "sync_clock"]}),
        ("Health", {"fields": HEALTH_FIELDS}),
    ]

    def get_queryset(self, request):
        today = start_of_day(timezone.localdate())
        return (
            super()
            .get_queryset(request)
            .annotate(punch_count_today=Count("punches", filter=Q(punches__punched_at__gte=today)))
        )

    def save_model(self, request, obj, form, change):
        device_save(device=obj)  # validated, with history (comm key and health kept out of it)

    @display(description="Address")
    def address(self, obj):
        return f"{obj.host}:{obj.port}" if obj.mode == Device.Mode.PULL else "pushes to /iclock/"

    @display(description="Health", label={"OK": "success", "FAILING": "danger", "NEVER": "warning"})
    def health(self, obj):
        if obj.last_success_at is None and obj.last_error_at is None:
            return "NEVER", "Not heard from yet"
        if obj.is_healthy:
            return "OK", "OK"
        return "FAILING", f"Failing ({obj.consecutive_failures}x)"

    @display(description="Last error")
    def short_error(self, obj):
        if not obj.last_error:
            return "-"
        return obj.last_error if len(obj.last_error) <= 70 else obj.last_error[:70] + "…"

    @display(description="Punches today", ordering="punch_count_today")
    def punches_today(self, obj):
        return getattr(obj, "punch_count_today", "-")

    @display(description="Clock drift")
    def clock_drift(self, obj):
        seconds = obj.clock_drift_seconds
        if seconds is None:
            return "-"
        text = f"{seconds:+d} s" if abs(seconds) < 3600 else f"{datetime.timedelta(seconds=abs(seconds))} off"
        return format_html('<span class="text-red-600">{}</span>', text) if abs(seconds) > 120 else text

    @action(description="Poll now (pull devices)", permissions=["change"])
    def poll_now(self, request, queryset):
        for device in queryset.filter(mode=Device.Mode.PULL, is_active=True):
            result = device_poll(device=device)
            self.message_user(request, str(result), messages.SUCCESS if result.ok else messages.ERROR)

    @action(description="Sync member access to the device now", permissions=["change"])
    def sync_access_now(self, request, queryset):
        for device in queryset.filter(is_active=True):
            report = device_access_sync(device=device)
            if not report.ok:
                self.message_user(request, f"{device}: {report.error}", messages.ERROR)
            else:
                detail = "; ".join(str(c) for c in report.changes[:10])
                self.message_user(request, f"{device}: {len(report.changes)} change(s). {detail}", messages.SUCCESS)


class ReadOnlyAdmin(ModelAdmin):
    """Logs written by devices and services only (no history of their own)."""

    list_per_page = 50
    show_full_result_count = False
    paginator = EstimatedCountPaginator  # millions of punches: no exact COUNT(*) of the whole log

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Punch)
class PunchAdmin(ReadOnlyAdmin):
    list_display = ["punched_at", "device", "device_user_id", "status", "verify", "visit", "received_at"]
    list_filter = ["device", ("punched_at", admin.DateFieldListFilter)]
    list_select_related = ["device", "checkin"]
    search_fields = ["device_user_id"]
    ordering = ["-punched_at"]

    @display(description="Check-in")
    def visit(self, obj):
        if obj.checkin is None:
            return "- (not judged: time in the future)"
        reason = f": {obj.checkin.get_reason_display()}" if obj.checkin.reason else ""
        return f"{obj.checkin.get_result_display()}{reason}"


@admin.register(DeviceCommand)
class DeviceCommandAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "device", "pin", "command", "status", "return_code", "sent_at", "acknowledged_at"]
    list_filter = ["device", "status"]
    list_select_related = ["device"]
    search_fields = ["pin", "command"]
