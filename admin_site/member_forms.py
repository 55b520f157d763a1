"""Forms of the member admin pages. They only collect and check input; the
MemberAdmin saves through core.members.services."""

from django import forms
from django.utils import timezone
from unfold.widgets import (
    UnfoldAdminEmailInputWidget,
    UnfoldAdminFileFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSingleDateWidget,
    UnfoldAdminTextInputWidget,
)

from core.members.models import Member
from core.members.services import PROFILE_FIELDS
from core.memberships.models import Plan

# The profile fields staff edit; name and email belong to the login.
PROFILE_FORM_FIELDS = sorted(PROFILE_FIELDS | {"health_flags"})
PHOTO_HELP = "A JPEG, PNG, WebP or GIF photo, up to 5 MB. It is checked, resized and stored privately."


def photo_field() -> forms.FileField:
    # Not the model's ImageField: the photo goes through member_set_photo,
    # which checks the content and re-encodes it.
    return forms.FileField(label="Photo", required=False, help_text=PHOTO_HELP, widget=UnfoldAdminFileFieldWidget)


class MemberChangeForm(forms.ModelForm):
    photo_upload = photo_field()

    class Meta:
        model = Member
        fields = PROFILE_FORM_FIELDS


class MemberAddForm(forms.ModelForm):
    email = forms.EmailField(
        widget=UnfoldAdminEmailInputWidget,
        help_text="The member logs in with this address; a temporary password is emailed here.",
    )
    first_name = forms.CharField(max_length=80, widget=UnfoldAdminTextInputWidget)
    last_name = forms.CharField(max_length=80, required=False, widget=UnfoldAdminTextInputWidget)
    initial_plan = forms.ModelChoiceField(
        label="Plan",
        queryset=Plan.objects.filter(is_active=True),
        required=False,
        widget=UnfoldAdminSelectWidget,
        help_text="Optional: sell the first membership now.",
    )
    plan_starts_on = forms.DateField(
        label="Membership starts on",
        required=False,
        initial=timezone.localdate,
        widget=UnfoldAdminSingleDateWidget,
        help_text="Today if left empty.",
    )
    photo_upload = photo_field()

    class Meta:
        model = Member
        fields = PROFILE_FORM_FIELDS
