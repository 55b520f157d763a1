from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "core.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from core.accounts.services import WELCOME_TEMPLATE, welcome_send_time_context
        from core.notifications.registry import register_context_provider

        register_context_provider(WELCOME_TEMPLATE, welcome_send_time_context)

        # Logins and failed logins go to the audit log (core/accounts/signals.py).
        from allauth.account.signals import user_logged_in
        from django.contrib.auth.signals import user_login_failed

        from core.accounts.signals import record_login, record_login_failed

        user_logged_in.connect(record_login, dispatch_uid="gymos_audit_login")
        user_login_failed.connect(record_login_failed, dispatch_uid="gymos_audit_login_failed")
