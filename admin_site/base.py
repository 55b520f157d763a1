"""Shared pieces for GymOS ModelAdmins."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin

from admin_site.date_bar import SpanDatesChangeList
from admin_site.paginators import EstimatedCountPaginator


class GymModelAdmin(SimpleHistoryAdmin, ModelAdmin):
    """Unfold styling + simple-history's "History" page on every domain model."""

    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over the whole table on big lists
    paginator = EstimatedCountPaginator  # nor for the unfiltered list of a table of 100,000+ rows

    def get_changelist(self, request, **kwargs):
        return SpanDatesChangeList  # the date bar without a DISTINCT over the whole table

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # History is read-only. simple-history saves a POSTed old version ("revert") after
        # checking only the *view* permission, and writes the model without its service:
        # support staff could have reset a plan's price or an invoice that way.
        if request.method != "GET":
            raise PermissionDenied("Past versions are read-only.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True  # no "Revert" button on the read-only history page


def validation_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [
            f"{'' if field == '__all__' else field + ': '}{msg}"
            for field, msgs in exc.message_dict.items()
            for msg in msgs
        ]
    return list(exc.messages)


def run_service(request, modeladmin, func, *, success: str | None = None, **kwargs):
    """Call a service from an admin action; turn ValidationError into a message."""
    try:
        result = func(**kwargs)
    except ValidationError as exc:
        for text in validation_messages(exc):
            modeladmin.message_user(request, text, messages.ERROR)
        return None
    if success:
        modeladmin.message_user(request, success, messages.SUCCESS)
    return result
