from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "core.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from core.accounts.services import WELCOME_TEMPLATE, welcome_send_time_context
        from core.notifications.registry import register_context_provider

        register_context_provider(WELCOME_TEMPLATE, welcome_send_time_context)
