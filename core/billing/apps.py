from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "core.billing"
    label = "billing"
    verbose_name = "Billing"

    def ready(self):
        from core.billing.digest import dues_outstanding_section
        from core.notifications.digest import register_digest_section

        register_digest_section("dues_outstanding", dues_outstanding_section)
