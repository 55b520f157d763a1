"""Actions of the leads inbox: mark contacted, on trial or lost, assign to
me and add a note (on the list and on a lead's page), and convert a lead into
a member. Each calls a core.leads service per lead."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from unfold.decorators import action
from unfold.widgets import UnfoldAdminTextareaWidget

from admin_site.action_forms import APPLY, ConfirmForm, apply_to_each, bulk_action_with_form, detail_action_with_form
from core.leads.models import NOTE_MAX, Lead
from core.leads.services import lead_add_note, lead_assign, lead_convert, lead_set_status


class NoteForm(forms.Form):
    text = forms.CharField(label="Note", max_length=NOTE_MAX, widget=UnfoldAdminTextareaWidget(attrs={"rows": 4}))


class OptionalNoteForm(forms.Form):
    text = forms.CharField(
        label="Note", max_length=NOTE_MAX, required=False, widget=UnfoldAdminTextareaWidget(attrs={"rows": 3})
    )


def member_url(member_id: int) -> str:
    return reverse("admin:members_member_change", args=[member_id])


class LeadActionsMixin:
    """Mixed into LeadAdmin."""

    def has_note_permission(self, request, obj=None):
        return request.user.has_perm("leads.add_leadnote")

    def has_convert_permission(self, request, obj=None):
        return request.user.has_perm("leads.change_lead") and request.user.has_perm("members.add_member")

    # --- actions on the list -----------------------------------------------------------

    def _bulk_status(self, request, queryset, status: str, label: str):
        apply_to_each(
            request, self, queryset, lambda lead, data: lead_set_status(lead=lead, status=status, by=request.user),
            {}, f"{{count}} lead(s) marked {label}.",
        )  # fmt: skip

    @action(description="Mark contacted", permissions=["change"])
    def mark_contacted(self, request, queryset):
        self._bulk_status(request, queryset, Lead.Status.CONTACTED, "contacted")

    @action(description="Mark on trial", permissions=["change"])
    def mark_trial(self, request, queryset):
        self._bulk_status(request, queryset, Lead.Status.TRIAL, "on trial")

    @action(description="Mark lost (with a note)", permissions=["change"])
    def mark_lost(self, request, queryset):
        return bulk_action_with_form(
            self, request, queryset, form_class=OptionalNoteForm, title="Mark leads lost",
            intro="They leave the open inbox. Say why if you know (price, moved away, joined another gym).",
            apply=lambda lead, data: lead_set_status(lead=lead, status=Lead.Status.LOST, by=request.user,
                                                     note=data["text"]),
            success="{count} lead(s) marked lost.", submit="Mark lost",
        )  # fmt: skip

    @action(description="Assign to me", permissions=["change"])
    def assign_to_me(self, request, queryset):
        apply_to_each(
            request, self, queryset, lambda lead, data: lead_assign(lead=lead, assignee=request.user, by=request.user),
            {}, "{count} lead(s) assigned to you.",
        )  # fmt: skip

    @action(description="Add a note", permissions=["note"])
    def add_note(self, request, queryset):
        return bulk_action_with_form(
            self, request, queryset, form_class=NoteForm, title="Add a note",
            intro="The note goes on each selected lead's timeline.",
            apply=lambda lead, data: lead_add_note(lead=lead, text=data["text"], by=request.user),
            success="Note added to {count} lead(s).", submit="Add note",
        )  # fmt: skip

    # --- actions on the lead page --------------------------------------------------------

    def _lead(self, object_id) -> Lead:
        lead = Lead.objects.filter(pk=object_id if str(object_id).isdigit() else None).first()
        if lead is None:
            raise Http404("No such lead.")
        return lead

    def _detail(self, request, object_id, **kwargs):
        lead = self._lead(object_id)
        back = reverse("admin:leads_lead_change", args=[lead.pk])
        return detail_action_with_form(self, request, lead, back_url=back, **kwargs)

    def _status_one(self, request, object_id, status: str, label: str):
        return self._detail(
            request, object_id, form_class=OptionalNoteForm, title=f"Mark the lead {label}",
            apply=lambda lead, data: lead_set_status(lead=lead, status=status, by=request.user, note=data["text"]),
            success=f"Lead marked {label}.", submit=f"Mark {label}",
        )  # fmt: skip

    @action(description="Mark contacted", url_path="contacted", permissions=["change"], icon="call")
    def contacted_one(self, request, object_id):
        return self._status_one(request, object_id, Lead.Status.CONTACTED, "contacted")

    @action(description="On trial", url_path="trial", permissions=["change"], icon="fitness_center")
    def trial_one(self, request, object_id):
        return self._status_one(request, object_id, Lead.Status.TRIAL, "on trial")

    @action(description="Lost", url_path="lost", permissions=["change"], icon="block")
    def lost_one(self, request, object_id):
        return self._status_one(request, object_id, Lead.Status.LOST, "lost")

    @action(description="Assign to me", url_path="assign-me", permissions=["change"], icon="person")
    def assign_me_one(self, request, object_id):
        # A confirmation page: the action's link is a GET, and a GET never changes anything.
        return self._detail(
            request, object_id, form_class=ConfirmForm, title="Assign the lead to you",
            apply=lambda lead, data: lead_assign(lead=lead, assignee=request.user, by=request.user),
            success="Assigned to you.", submit="Assign to me",
        )  # fmt: skip

    @action(description="Add a note", url_path="note", permissions=["note"], icon="edit_note")
    def note_one(self, request, object_id):
        return self._detail(
            request, object_id, form_class=NoteForm, title="Add a note",
            apply=lambda lead, data: lead_add_note(lead=lead, text=data["text"], by=request.user),
            success="Note added.", submit="Add note",
        )  # fmt: skip

    @action(description="Convert to member", url_path="convert", permissions=["convert"], icon="person_add")
    def convert_one(self, request, object_id):
        lead = self._lead(object_id)
        back = reverse("admin:leads_lead_change", args=[lead.pk])
        if request.method == "POST" and APPLY in request.POST:
            try:
                member = lead_convert(lead=lead, by=request.user)
            except ValidationError as exc:
                self._convert_refused(request, exc)
                return redirect(back)
            self.message_user(
                request,
                format_html(
                    'Member <a href="{}">{}</a> created; a welcome email with a temporary password is on its way '
                    "to {}.",
                    member_url(member.pk),
                    member,
                    lead.email,
                ),  # fmt: skip
                messages.SUCCESS,
            )
            return redirect(member_url(member.pk))
        return detail_action_with_form(
            self, request, lead, form_class=ConfirmForm, title="Convert the lead to a member", back_url=back,
            intro=f"Creates the member and their login for {lead.email} and emails them a temporary password. "
            "Sell their membership from the member's page afterwards.",
            apply=lambda lead, data: None, success="", submit="Create the member",
        )  # fmt: skip

    def _convert_refused(self, request, exc: ValidationError) -> None:
        for error in exc.error_list:
            params = error.params or {}
            text = error.message % params if params else error.message
            if error.code == "account_exists" and params.get("member_id"):
                link = format_html(' <a href="{}">Open member</a>', member_url(params["member_id"]))
                self.message_user(request, format_html("{}{}", text, link), messages.ERROR)
            elif error.code == "account_exists":
                url = reverse("admin:accounts_user_change", args=[params["user_id"]])
                self.message_user(request, format_html('{} <a href="{}">Open account</a>', text, url), messages.ERROR)
            else:
                self.message_user(request, text, messages.ERROR)
