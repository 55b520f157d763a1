"""Member import (CSV/XLSX, through core.members.importing) and export for the admin.

Wire into the member admin with ``class MemberAdmin(MemberImportExportMixin, GymModelAdmin)``.
"""

import datetime

from django import forms
from django.conf import settings
from django.db.models import OuterRef, Subquery
from import_export import resources
from import_export.fields import Field
from import_export.forms import ConfirmImportForm
from import_export.results import RowResult
from unfold.contrib.import_export.forms import ImportForm
from unfold.widgets import UnfoldBooleanSwitchWidget

from admin_site.resources.base import ServiceImport, ServiceImportExportMixin, safe_cell
from core.members.importing import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, members_import, members_import_check
from core.members.models import Member
from core.memberships.models import Membership


class MemberImportResource(ServiceImport, resources.Resource):
    required = REQUIRED_COLUMNS
    optional = OPTIONAL_COLUMNS

    class Meta:
        name = "Members"

    @classmethod
    def max_rows(cls) -> int:
        return settings.MEMBER_IMPORT_MAX_ROWS

    def get_user_visible_fields(self):
        # Shown on the import page as the columns the file must have.
        return [Field(column_name=f"{c} (required)") for c in self.required] + [
            Field(column_name=c) for c in self.optional
        ]

    def check(self, table, send_welcome=False, **kwargs):
        rows = members_import_check(table=table)
        emails = "welcome emails will be sent" if send_welcome else "no welcome emails will be sent"
        self.notes = [f"{len(rows):,} new members will be created; {emails}."]
        return rows

    def run(self, table, user=None, send_welcome=False, file_name="", **kwargs):
        result = members_import(table=table, by=user, send_welcome=send_welcome, source=file_name or "")
        summary = f"Imported {result.created:,} members ({result.memberships:,} with a membership)."
        if result.welcome_emails:
            summary += (
                f" Welcome emails with a temporary password are queued for {result.welcome_emails:,} members; "
                "large imports send them over the next minutes (about 1,000 a minute)."
            )
        return result.created, 0, summary

    def preview(self, row):
        values = [
            row.email, row.first_name, row.last_name, row.phone,
            row.date_of_birth.isoformat() if row.date_of_birth else "",
            row.plan.name if row.plan else "",
            row.membership_start.isoformat() if row.membership_start else "",
            row.code or "(next free code)", row.biometric_id, row.emergency_contact_name,
            row.emergency_contact_phone, "yes" if row.whatsapp_opt_in else "no",
        ]  # fmt: skip
        return RowResult.IMPORT_TYPE_NEW, values


class MemberExportResource(resources.ModelResource):
    """One row per member (soft-deleted ones are not listed), with the latest
    membership's plan and dates. One query whatever the number of members."""

    code = Field(attribute="code", column_name="code")
    first_name = Field(column_name="first_name")
    last_name = Field(column_name="last_name")
    email = Field(column_name="email")
    phone = Field(attribute="phone", column_name="phone")
    date_of_birth = Field(column_name="date_of_birth")
    status = Field(column_name="status")
    plan = Field(column_name="plan")
    membership_ends_on = Field(column_name="membership_ends_on")
    renewal_date = Field(column_name="renewal_date")
    joined_on = Field(column_name="joined_on")
    biometric_id = Field(attribute="biometric_id", column_name="biometric_id")
    emergency_contact_name = Field(column_name="emergency_contact_name")
    emergency_contact_phone = Field(attribute="emergency_contact_phone", column_name="emergency_contact_phone")
    whatsapp_opt_in = Field(column_name="whatsapp_opt_in")

    class Meta:
        model = Member
        name = "Members"
        fields = (
            "code", "first_name", "last_name", "email", "phone", "date_of_birth", "status", "plan",
            "membership_ends_on", "renewal_date", "joined_on", "biometric_id", "emergency_contact_name",
            "emergency_contact_phone", "whatsapp_opt_in",
        )  # fmt: skip
        export_order = fields

    def filter_export(self, queryset, **kwargs):
        latest = Membership.objects.filter(member=OuterRef("pk"), status=Membership.Status.ACTIVE).order_by(
            "-ends_on", "-pk"
        )
        # No prefetches: import-export pages through prefetching querysets (a query per 100 rows).
        return (
            queryset.select_related("user")
            .prefetch_related(None)
            .annotate(
                export_plan=Subquery(latest.values("plan__name")[:1]),
                export_ends_on=Subquery(latest.values("ends_on")[:1]),
            )
        )

    def dehydrate_first_name(self, member):
        return safe_cell(member.user.first_name) if member.user_id else ""

    def dehydrate_last_name(self, member):
        return safe_cell(member.user.last_name) if member.user_id else ""

    def dehydrate_email(self, member):
        return member.user.email if member.user_id else ""

    def dehydrate_date_of_birth(self, member):
        return member.date_of_birth

    def dehydrate_status(self, member):
        return member.get_status_display()

    def dehydrate_plan(self, member):
        return safe_cell(getattr(member, "export_plan", None) or "")

    def dehydrate_membership_ends_on(self, member):
        return getattr(member, "export_ends_on", None)

    def dehydrate_renewal_date(self, member):
        ends_on = getattr(member, "export_ends_on", None)
        return ends_on + datetime.timedelta(days=1) if ends_on else None

    def dehydrate_joined_on(self, member):
        return member.joined_on

    def dehydrate_emergency_contact_name(self, member):
        return safe_cell(member.emergency_contact_name)

    def dehydrate_whatsapp_opt_in(self, member):
        return "yes" if member.whatsapp_opt_in else "no"


class MemberHealthExportResource(MemberExportResource):
    """The export for admins: adds the health notes (personal health data)."""

    health_notes = Field(column_name="health_notes")

    class Meta(MemberExportResource.Meta):
        fields = MemberExportResource.Meta.fields + ("health_notes",)
        export_order = fields

    def dehydrate_health_notes(self, member):
        return safe_cell(member.health_notes)


class MemberImportForm(ImportForm):
    send_welcome_emails = forms.BooleanField(
        label="Send welcome emails",
        required=False,
        initial=False,
        widget=UnfoldBooleanSwitchWidget,
        help_text="Email each new member a temporary password when the import is confirmed. Leave off to tell "
        "members first; you can send it later from each account.",
    )


class MemberConfirmImportForm(ConfirmImportForm):
    send_welcome_emails = forms.BooleanField(required=False, widget=forms.HiddenInput)


class MemberImportExportMixin(ServiceImportExportMixin):
    """Import (dry run first, then all or nothing) and export of members."""

    import_resource_class = MemberImportResource
    export_resource_class = MemberExportResource
    import_form_class = MemberImportForm
    confirm_form_class = MemberConfirmImportForm
    export_audit_action = "members.exported"

    def get_export_resource_classes(self, request):
        # Health notes are personal health data: only admins take them out of GymOS.
        return [MemberHealthExportResource if request.user.is_admin else MemberExportResource]

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["send_welcome_emails"] = import_form.cleaned_data.get("send_welcome_emails", False)
        return initial

    def get_import_data_kwargs(self, **kwargs):
        form = kwargs.get("form")
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs["send_welcome"] = bool(form is not None and form.cleaned_data.get("send_welcome_emails"))
        return kwargs
