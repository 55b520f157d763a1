from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from unfold.admin import ModelAdmin
from unfold.decorators import action

from admin_site.base import run_service
from core.notifications.catalogue import CATALOGUE, catalogue_render
from core.notifications.models import Message
from core.notifications.services import message_resend


@admin.register(Message)
class MessageAdmin(ModelAdmin):
    """The outbox log. Read-only: messages are written by services and sent by the worker."""

    list_display = ["created_at", "channel", "template", "recipient", "status", "attempts", "sent_at", "short_error"]
    list_filter = ["channel", "status", "template", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["recipient", "dedupe_key", "provider_id", "subject"]
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False
    actions = ["resend"]
    actions_list = ["email_templates"]
    exclude = ["context"]  # may hold personal data; the rendered subject and status are enough here
    readonly_fields = [
        "channel",
        "recipient",
        "user",
        "template",
        "subject",
        "dedupe_key",
        "status",
        "provider_id",
        "attempts",
        "next_attempt_at",
        "last_error",
        "retryable",
        "attachments",
        "sent_at",
        "delivered_at",
        "read_at",
        "failed_at",
        "created_at",
        "updated_at",
    ]

    @admin.display(description="Last error")
    def short_error(self, obj):
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @action(description="Re-send failed messages", permissions=["change"])
    def resend(self, request, queryset):
        for message in queryset:
            run_service(request, self, message_resend, message=message, success=f"Re-queued: {message}.")

    @action(description="Email templates", url_path="email-templates", icon="preview")
    def email_templates(self, request):
        """Every email GymOS sends, rendered with sample data (subject, text and HTML)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        chosen = request.GET.get("template") or CATALOGUE[0].name
        rows, preview = [], None
        for entry in CATALOGUE:
            try:
                rendered, error = catalogue_render(entry.name), ""
            except Exception as exc:  # a broken template is shown as such, not as a server error
                rendered, error = None, f"{type(exc).__name__}: {exc}"
            row = {"entry": entry, "rendered": rendered, "error": error, "chosen": entry.name == chosen}
            rows.append(row)
            if row["chosen"]:
                preview = row
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Email templates",
            "rows": rows,
            "preview": preview,
        }
        return TemplateResponse(request, "admin_site/notifications/email_templates.html", context)
