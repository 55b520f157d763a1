from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "core.support"
    label = "support"
    verbose_name = "Support"

    def ready(self):
        from core.notifications.digest import register_digest_section
        from core.support.digest import open_tickets_section

        register_digest_section("open_tickets", open_tickets_section)
