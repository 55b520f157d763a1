"""Admin actions that first ask for input (a reason, dates) on an intermediate
page, then call a service once per selected object.

Works for changelist (bulk) actions, where the page posts back to the
changelist with the action name and the selected ids, and for unfold detail
actions on an object's page, where it posts back to the action's own URL.
Each object is handled by its own service call: one that fails (with its
reason shown) leaves the others done and itself untouched.
"""

from collections.abc import Callable, Iterable

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from unfold.widgets import UnfoldAdminSingleDateWidget, UnfoldAdminTextareaWidget, UnfoldAdminTextInputWidget

from admin_site.base import validation_messages
from admin_site.service_forms import add_service_error

APPLY = "_apply"


class ConfirmForm(forms.Form):
    """No input: the page only asks "are you sure?"."""


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=255, widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}), help_text="Kept in the record."
    )


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(max_length=255, required=False, widget=UnfoldAdminTextInputWidget)


class DateRangeReasonForm(forms.Form):
    starts_on = forms.DateField(label="From", initial=timezone.localdate, widget=UnfoldAdminSingleDateWidget)
    ends_on = forms.DateField(label="To (inclusive)", widget=UnfoldAdminSingleDateWidget)
    reason = forms.CharField(max_length=255, widget=UnfoldAdminTextInputWidget, help_text="e.g. travel, injury")

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "The end must be on or after the start.")
        return data


def apply_to_each(
    request, modeladmin, objects: Iterable, apply: Callable[[object, dict], object], data: dict, success: str
) -> int:
    """Run ``apply(obj, data)`` for each object; report failures per object and a count of successes."""
    done = 0
    for obj in objects:
        try:
            apply(obj, data)
        except ValidationError as exc:
            for text in validation_messages(exc):
                modeladmin.message_user(request, f"{obj}: {text}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, success.format(count=done), messages.SUCCESS)
    return done


def _render(request, modeladmin, *, form, title: str, intro: str, objects, submit: str, bulk: bool, cancel_url: str):
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "form": form,
        "objects": list(objects),
        "submit_label": submit,
        "opts": modeladmin.model._meta,
        "apply_name": APPLY,
        "cancel_url": cancel_url,
        "bulk": bulk,
        "action_name": request.POST.get("action", "") if bulk else "",
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME) if bulk else [],
        "select_across": request.POST.get("select_across", "0") if bulk else "",
    }
    return TemplateResponse(request, "admin_site/action_form.html", context)


def bulk_action_with_form(
    modeladmin,
    request,
    queryset,
    *,
    form_class: type[forms.Form],
    title: str,
    apply: Callable[[object, dict], object],
    success: str,
    intro: str = "",
    submit: str = "Confirm",
) -> HttpResponse | None:
    """For a changelist action: show the form, then apply it to the selection.
    Returning None sends the admin back to the changelist (Django's rule)."""
    if APPLY in request.POST:
        form = form_class(request.POST)
        if form.is_valid():
            apply_to_each(request, modeladmin, queryset, apply, form.cleaned_data, success)
            return None
    else:
        form = form_class()
    return _render(
        request,
        modeladmin,
        form=form,
        title=title,
        intro=intro,
        objects=queryset,
        submit=submit,
        bulk=True,
        cancel_url=request.get_full_path(),
    )


def detail_action_with_form(
    modeladmin,
    request,
    obj,
    *,
    form_class: type[forms.Form],
    title: str,
    apply: Callable[[object, dict], object],
    success: str,
    back_url: str,
    intro: str = "",
    submit: str = "Confirm",
) -> HttpResponse:
    """For an unfold detail action on one object's page."""
    if request.method == "POST" and APPLY in request.POST:
        form = form_class(request.POST)
        if form.is_valid():
            try:
                apply(obj, form.cleaned_data)
            except ValidationError as exc:
                # One object: show the reason beside the input, which stays filled in.
                add_service_error(form, exc, {})
            else:
                modeladmin.message_user(request, success.format(count=1), messages.SUCCESS)
                return redirect(back_url)
    else:
        form = form_class()
    return _render(
        request,
        modeladmin,
        form=form,
        title=title,
        intro=intro,
        objects=[obj],
        submit=submit,
        bulk=False,
        cancel_url=back_url,
    )
