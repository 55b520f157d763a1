from django.apps import AppConfig


class MembershipsConfig(AppConfig):
    name = "core.memberships"
    label = "memberships"
    verbose_name = "Memberships"

    def ready(self):
        from core.memberships.digest import expired_yesterday_section, renewals_due_section
        from core.notifications.digest import register_digest_section

        register_digest_section("renewals_due", renewals_due_section)
        register_digest_section("expired_yesterday", expired_yesterday_section)
