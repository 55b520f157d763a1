"""Shared pieces for GymOS ModelAdmins."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin


class GymModelAdmin(SimpleHistoryAdmin, ModelAdmin):
    """Unfold styling + simple-history's "History" page on every domain model."""

    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over the whole table on big lists


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
