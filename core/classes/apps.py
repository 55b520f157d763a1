from django.apps import AppConfig


class ClassesConfig(AppConfig):
    name = "core.classes"
    label = "classes"
    verbose_name = "Classes"

    def ready(self):
        from core.classes.digest import classes_today_section
        from core.notifications.digest import register_digest_section

        register_digest_section("classes_today", classes_today_section)
