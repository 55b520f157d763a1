from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "core.support"
    label = "support"
    verbose_name = "Support"
