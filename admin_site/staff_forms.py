"""Forms of the staff admin pages. They only collect and check input; the
admins save through core.staff.services. The hourly rate field exists only in
forms built for admins (see TrainerAdmin.get_form)."""

from django import forms
from django.contrib.auth.models import Group
from unfold.widgets import (
    UnfoldAdminEmailInputWidget,
    UnfoldAdminFileFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSplitDateTimeWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from core.accounts.models import User
from core.accounts.services import normalize_email
from core.classes.models import Room
from core.staff.models import Certification, LeaveRequest, Trainer

CERTIFICATE_HELP = "A PDF or a photo/scan (JPEG, PNG, WebP), up to 10 MB. Checked by content and stored privately."


def certificate_field(required: bool = False) -> forms.FileField:
    # Not the model's FileField: the upload goes through certification_add, which checks the content.
    return forms.FileField(
        label="Certificate file", required=required, help_text=CERTIFICATE_HELP, widget=UnfoldAdminFileFieldWidget
    )


class TrainerChangeForm(forms.ModelForm):
    class Meta:
        model = Trainer
        fields = ["bio", "specialties"]


class TrainerRateChangeForm(forms.ModelForm):
    """For admins: the profile and the hourly rate."""

    class Meta:
        model = Trainer
        fields = ["bio", "specialties", "hourly_rate"]


class TrainerAddForm(forms.ModelForm):
    """A new trainer account (provisioned: temporary password by email) and their profile."""

    email = forms.EmailField(
        widget=UnfoldAdminEmailInputWidget,
        help_text="The trainer logs in with this address; a temporary password is emailed here.",
    )
    first_name = forms.CharField(max_length=80, widget=UnfoldAdminTextInputWidget)
    last_name = forms.CharField(max_length=80, required=False, widget=UnfoldAdminTextInputWidget)
    groups = forms.ModelMultipleChoiceField(
        queryset=Group.objects.order_by("name"),
        required=False,
        help_text="Extra rights besides the Trainers group (which every trainer gets).",
    )

    class Meta:
        model = Trainer
        fields = ["bio", "specialties", "hourly_rate"]

    def clean_email(self):
        email = normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(f"An account with the email {email} already exists.")
        return email


class CertificationForm(forms.ModelForm):
    upload = certificate_field()

    class Meta:
        model = Certification
        fields = ["trainer", "title", "issuer", "expires_on"]


class LeaveAddForm(forms.ModelForm):
    """Staff record leave for a trainer (the same checks as the trainer's own request)."""

    class Meta:
        model = LeaveRequest
        fields = ["trainer", "starts_at", "ends_at", "reason"]
        field_classes = {"starts_at": forms.SplitDateTimeField, "ends_at": forms.SplitDateTimeField}
        widgets = {"starts_at": UnfoldAdminSplitDateTimeWidget, "ends_at": UnfoldAdminSplitDateTimeWidget}


class NoteForm(forms.Form):
    note = forms.CharField(
        max_length=500,
        required=False,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text="Optional; the trainer reads it in the email.",
    )


class RequiredNoteForm(forms.Form):
    note = forms.CharField(
        max_length=500,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text="The trainer reads it in the email.",
    )


def reassign_form(free_trainers: list[User]) -> type[forms.Form]:
    """A form offering only the trainers free at the class's time."""
    choices = [(t.pk, t.full_name or t.email) for t in free_trainers]

    class ReassignForm(forms.Form):
        instructor = forms.TypedChoiceField(
            label="New instructor",
            choices=[("", "Choose a trainer")] + choices,
            coerce=int,
            widget=UnfoldAdminSelectWidget,
            help_text="Only trainers who teach nothing else then and are not on leave are listed.",
        )

    return ReassignForm


class RescheduleForm(forms.Form):
    starts_at = forms.SplitDateTimeField(label="New start", widget=UnfoldAdminSplitDateTimeWidget)
    room = forms.ModelChoiceField(
        queryset=Room.objects.filter(is_active=True),
        required=False,
        widget=UnfoldAdminSelectWidget,
        help_text="Leave empty to keep the room.",
    )
    reason = forms.CharField(
        max_length=255,
        initial="The instructor is on leave.",
        widget=UnfoldAdminTextInputWidget,
        help_text="Members read it in their email.",
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=255,
        initial="The instructor is on leave.",
        widget=UnfoldAdminTextInputWidget,
        help_text="Members read it in their email; their credits are given back.",
    )
