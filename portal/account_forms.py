"""allauth forms fitted to GymOS."""

from allauth.account.forms import AddEmailForm
from django import forms


class StaffManagedEmailForm(AddEmailForm):
    """The login email is the one staff provisioned (the accounts service keeps it, with
    history): allauth's "add an address, make it primary" would change it past them,
    unverified, so adding one is refused with where to go instead."""

    def clean_email(self) -> str:
        raise forms.ValidationError("Your login email is changed at the front desk: please ask a member of staff.")
