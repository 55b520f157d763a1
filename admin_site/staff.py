"""Trainers and their certifications in the admin. Trainers are created
through provisioning (temporary password by email) and deactivated through
the staff service (login refused at once, their classes flagged for review).

The hourly rate is for admins only: support staff get no rate field, no rate
column, no rate lookups in the list's query string, and the CSV export never
has it. Certifications are in staff_certifications.py, leave
requests in staff_leave.py.
"""

import csv

from django.contrib import admin, messages
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from unfold.admin import TabularInline
from unfold.decorators import action, display

from admin_site.action_forms import ConfirmForm, bulk_action_with_form, detail_action_with_form
from admin_site.base import GymModelAdmin
from admin_site.resources.base import safe_cell
from admin_site.service_forms import ServiceFormAdminMixin, call_service
from admin_site.staff_forms import TrainerAddForm, TrainerChangeForm, TrainerRateChangeForm
from core.classes.models import ClassSession
from core.common.money import format_money
from core.staff.models import Certification, Trainer
from core.staff.selectors import EXPIRING_DAYS, certification_state, certifications_expiring, trainers_with_counts
from core.staff.services.accounts import staff_create, staff_deactivate, trainer_profile_update

RATE = "hourly_rate"
STATE_LABELS = {"expired": "Expired", "expiring": f"Expires within {EXPIRING_DAYS} days", "valid": "Valid",
                "no_expiry": "Does not expire"}  # fmt: skip
STATE_COLOURS = {"expired": "danger", "expiring": "warning", "valid": "success", "no_expiry": "info"}


def expiring_certifications_badge() -> str:
    """Sidebar badge: certifications of active trainers expiring within 30 days."""
    count = certifications_expiring(days=EXPIRING_DAYS).count()
    return str(count) if count else ""


def certificate_link(certification: Certification) -> str:
    if not certification.file:
        return "No file"
    url = reverse("portal:trainer_certification_file", args=[certification.pk])
    return format_html('<a href="{}" class="text-primary-600" target="_blank" rel="noopener">Open file</a>', url)


class CertificationInline(TabularInline):
    """The trainer's certificates (read-only here; add or change them under Certifications)."""

    model = Certification
    fields = ["title", "issuer", "expires_on", "state", "file_link"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @display(description="State", label=STATE_COLOURS)
    def state(self, obj):
        state = certification_state(obj)
        return state, STATE_LABELS[state]

    @display(description="File")
    def file_link(self, obj):
        return certificate_link(obj)


class TrainerFilter(admin.SimpleListFilter):
    """By trainer, their names read in one query (the stock filter reads each trainer's login separately)."""

    title = "trainer"
    parameter_name = "trainer"

    def lookups(self, request, model_admin):
        return [(str(t.pk), str(t)) for t in Trainer.objects.select_related("user")]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(trainer_id=int(value)) if value and value.isdigit() else queryset


class ExpiringCertificatesFilter(admin.SimpleListFilter):
    title = "certifications"
    parameter_name = "certs"

    def lookups(self, request, model_admin):
        return [("expiring", f"Expired or expiring within {EXPIRING_DAYS} days")]

    def queryset(self, request, queryset):
        if self.value() == "expiring":
            return queryset.filter(expiring_count__gt=0)
        return queryset


@admin.register(Trainer)
class TrainerAdmin(ServiceFormAdminMixin, GymModelAdmin):
    list_display = ["name", "email", "specialties", "certifications", "clients", "active"]
    list_display_links = ["name"]
    list_filter = ["user__is_active", ExpiringCertificatesFilter]
    search_fields = ["user__first_name", "user__last_name", "user__email", "specialties"]
    search_help_text = "Name, email or specialty"
    ordering = ["user__first_name", "user__last_name"]
    readonly_fields = ["account", "upcoming_classes"]
    inlines = [CertificationInline]
    actions = ["deactivate", "export_csv"]
    actions_detail = ["deactivate_one"]

    # --- who sees the hourly rate ------------------------------------------------------

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        return [*columns, "rate"] if request.user.is_admin else columns

    def get_fieldsets(self, request, obj=None):
        profile = ["bio", "specialties", *([RATE] if request.user.is_admin else [])]
        if obj is None:
            return [
                ("Account", {"fields": ["email", "first_name", "last_name", "groups"]}),
                ("Profile", {"fields": profile}),
            ]
        return [("Account", {"fields": ["account"]}), ("Profile", {"fields": profile}),
                ("Classes to come", {"fields": ["upcoming_classes"]})]  # fmt: skip

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = TrainerAddForm
        else:
            kwargs["form"] = TrainerRateChangeForm if request.user.is_admin else TrainerChangeForm
        return super().get_form(request, obj, change=change, **kwargs)

    def lookup_allowed(self, lookup, value, request=None):
        # ?hourly_rate__gte=... would let anyone who sees the list find out the rate by bisection.
        if lookup.split("__")[0] == RATE and (request is None or not request.user.is_admin):
            return False
        return super().lookup_allowed(lookup, value, request)

    # --- the list ----------------------------------------------------------------------

    def get_queryset(self, request):
        return trainers_with_counts(super().get_queryset(request))

    @display(description="Name", ordering="user__first_name")
    def name(self, obj):
        return str(obj)

    @display(description="Email", ordering="user__email")
    def email(self, obj):
        return obj.user.email

    @display(description="Certifications", label={"ok": "success", "soon": "warning", "none": "info"})
    def certifications(self, obj):
        if not obj.certification_count:
            return "none", "None"
        if obj.expiring_count:
            return "soon", f"{obj.certification_count} ({obj.expiring_count} expired/expiring)"
        return "ok", str(obj.certification_count)

    @display(description="Clients", ordering="client_count")
    def clients(self, obj):
        return obj.client_count

    @display(description="Active", boolean=True, ordering="user__is_active")
    def active(self, obj):
        return obj.user.is_active

    @display(description="Hourly rate", ordering=RATE)
    def rate(self, obj):
        return format_money(obj.hourly_rate) if obj.hourly_rate is not None else "-"

    # --- the trainer page -----------------------------------------------------------------

    @display(description="Login")
    def account(self, obj):
        url = reverse("admin:accounts_user_change", args=[obj.user_id])
        state = "" if obj.user.is_active else " (deactivated)"
        return format_html('<a href="{}" class="text-primary-600">{}</a> &lt;{}&gt;{}', url, obj, obj.user.email, state)

    @display(description="Next classes")
    def upcoming_classes(self, obj):
        sessions = list(
            ClassSession.objects.filter(
                instructor_id=obj.user_id, status=ClassSession.Status.SCHEDULED, starts_at__gt=timezone.now()
            ).select_related("class_type", "room")[:10]
        )
        if not sessions:
            return "No classes to come."
        rows = format_html_join(
            "", "<li>{}{}</li>", ((s, " — needs a new instructor" if s.needs_review else "") for s in sessions)
        )
        return format_html('<ul class="list-disc ml-5">{}</ul>', rows)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_add_permission(self, request):
        return request.user.is_admin  # provisioning staff accounts is for admins

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: classes, leave and history point at the trainer

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            fields = {name: data[name] for name in form.changed_data if name in ("bio", "specialties")}
            if RATE in form.changed_data and request.user.is_admin:
                fields[RATE] = data[RATE]
            if fields:
                call_service(trainer_profile_update, trainer=obj, by=request.user, **fields)
        else:
            user = call_service(
                staff_create, email=data["email"], first_name=data["first_name"], last_name=data.get("last_name", ""),
                role="TRAINER", groups=list(data.get("groups") or []), by=request.user, bio=data.get("bio", ""),
                specialties=data.get("specialties", ""), hourly_rate=data.get(RATE),
            )  # fmt: skip
            obj.pk = user.trainer_profile.pk
            messages.info(request, f"A welcome email with a temporary password is on its way to {user.email}.")
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # Groups were set by provisioning; the certificates inline is read-only (saves nothing).
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    # --- actions -------------------------------------------------------------------------

    def has_deactivate_permission(self, request, obj=None):
        return request.user.is_admin

    def _deactivate(self, trainer: Trainer, by):
        return staff_deactivate(user=trainer.user, by=by)

    @action(description="Deactivate (login refused at once)", permissions=["deactivate"])
    def deactivate(self, request, queryset):
        return bulk_action_with_form(
            self, request, queryset, form_class=ConfirmForm, title="Deactivate trainers",
            intro="They can no longer log in, from their next click. Their classes to come are flagged "
            "“needs review” so another trainer can be assigned.",
            apply=lambda trainer, data: self._deactivate(trainer, request.user),
            success="{count} trainer(s) deactivated.", submit="Deactivate",
        )  # fmt: skip

    @action(description="Deactivate", url_path="deactivate", permissions=["deactivate"], icon="block")
    def deactivate_one(self, request, object_id):
        trainer = self.get_object(request, object_id)
        back = reverse("admin:staff_trainer_change", args=[object_id])
        return detail_action_with_form(
            self, request, trainer, form_class=ConfirmForm, title="Deactivate the trainer",
            intro="They can no longer log in, from their next click. Their classes to come are flagged "
            "“needs review” so another trainer can be assigned.",
            apply=lambda t, data: self._deactivate(t, request.user), success="Trainer deactivated.",
            back_url=back, submit="Deactivate",
        )  # fmt: skip

    @action(description="Export selected (CSV)", permissions=["view"])
    def export_csv(self, request, queryset):
        # The columns are listed here on purpose: the hourly rate is never exported.
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="trainers.csv"'
        writer = csv.writer(response)
        writer.writerow(["name", "email", "specialties", "certifications", "clients", "active"])
        for t in queryset:
            writer.writerow([safe_cell(str(t)), t.user.email, safe_cell(t.specialties), t.certification_count,
                             t.client_count, "yes" if t.user.is_active else "no"])  # fmt: skip
        return response
