from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "core.billing"
    label = "billing"
    verbose_name = "Billing"
