"""The public membership application (/apply/): no login, so it is guarded
against abuse without outside services: CSRF (the middleware), a honeypot
field people never see, and a per-address limit (core.leads.ratelimit)."""

import logging

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core.common.client_ip import client_ip
from core.common.phone import normalize_phone
from core.leads.models import GOALS_MAX, HEARD_OTHER_MAX, NAME_MAX, Lead
from core.leads.ratelimit import apply_count_hit, apply_limit_reached
from core.leads.services import lead_create
from core.memberships.models import Plan
from portal.access import public

logger = logging.getLogger(__name__)

# A field only robots fill in: hidden by the stylesheet (not type=hidden,
# which robots skip), named like something a form-filling robot wants to fill.
HONEYPOT = "website"
THANKS_NAME = "apply_thanks_name"
TOO_MANY = (
    "We received several applications from your network in the last hour, so we can't take another one "
    "right now. Please try again later, or call us on {phone}."
)


class ApplyForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=NAME_MAX, error_messages={"required": "Tell us your name."})
    email = forms.EmailField(label="Email", max_length=254, error_messages={"required": "Enter your email address."})
    phone = forms.CharField(
        label="Mobile number",
        max_length=30,
        help_text="For example 01712345678.",
        error_messages={"required": "Enter your mobile number so we can call you back."},
    )
    plan = forms.ModelChoiceField(
        label="Which plan interests you?",
        queryset=Plan.objects.filter(is_active=True),
        required=False,
        empty_label="Not sure yet",
        error_messages={"invalid_choice": "Choose one of the plans in the list."},
    )
    preferred_start = forms.DateField(
        label="When would you like to start?", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    goals = forms.CharField(
        label="Your goals",
        max_length=GOALS_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Lose weight, get stronger, train for an event…",
    )
    heard_from = forms.ChoiceField(
        label="How did you hear of us?",
        choices=[("", "Choose one"), *Lead.HeardFrom.choices],
        error_messages={"required": "Choose how you heard of us."},
    )
    heard_from_other = forms.CharField(label="If other, where?", max_length=HEARD_OTHER_MAX, required=False)
    consent = forms.BooleanField(
        label="You may contact me by phone or email about my application.",
        error_messages={"required": "Please agree to be contacted: we need it to reply to your application."},
    )

    def clean_phone(self):
        return normalize_phone(self.cleaned_data["phone"])

    def clean(self):
        data = super().clean()
        if data.get("heard_from") == Lead.HeardFrom.OTHER and not data.get("heard_from_other"):
            self.add_error("heard_from_other", "Tell us where you heard of us.")
        return data


def _page(request, form, *, refused: str = "", status: int = 200):
    return render(
        request, "portal/leads/apply.html", {"form": form, "honeypot": HONEYPOT, "refused": refused}, status=status
    )


def _too_many(request):
    logger.warning("Lead form: rate limit reached for %s; submission refused.", client_ip(request))
    # The typed answers stay in the form (as initial values), without error marks on them.
    form = ApplyForm(initial={k: v for k, v in request.POST.items() if k in ApplyForm.base_fields})
    return _page(request, form, refused=TOO_MANY.format(phone=settings.GYM_PHONE), status=429)


def _thank(request, name: str):
    request.session[THANKS_NAME] = name[:NAME_MAX]
    return redirect("apply_thanks")


@public
@never_cache
@require_http_methods(["GET", "POST"])
def apply(request):
    if request.method != "POST":
        return _page(request, ApplyForm())
    address = client_ip(request)
    form = ApplyForm(request.POST)
    if apply_limit_reached(address):
        return _too_many(request)
    if request.POST.get(HONEYPOT):
        # A robot: look like success (so it does not adapt), store nothing.
        logger.warning("Lead form: honeypot filled from %s; nothing stored.", address)
        apply_count_hit(address)
        return _thank(request, request.POST.get("name", "").strip())
    if not form.is_valid():
        return _page(request, form)
    if not apply_count_hit(address):
        return _too_many(request)
    data = form.cleaned_data
    try:
        lead_create(**{name: data[name] for name in ApplyForm.base_fields}, source_ip=address or None)
    except ValidationError as exc:
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return _page(request, form)
    return _thank(request, data["name"])


@public
@never_cache
@require_GET
def apply_thanks(request):
    name = request.session.pop(THANKS_NAME, "")
    return render(request, "portal/leads/thanks.html", {"applicant_name": name})
