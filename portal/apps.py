from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from core.notifications.registry import register_context_provider
        from portal.account_emails import PASSWORD_RESET_TEMPLATE, password_reset_link_context

        register_context_provider(PASSWORD_RESET_TEMPLATE, password_reset_link_context)
