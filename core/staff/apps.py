from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "core.staff"
    label = "staff"
    verbose_name = "Staff and trainers"

    def ready(self):
        from core.notifications.digest import register_digest_section
        from core.staff.digest import certifications_expiring_section

        register_digest_section("certifications_expiring", certifications_expiring_section)
