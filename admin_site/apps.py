from django.apps import AppConfig


class AdminSiteConfig(AppConfig):
    name = "admin_site"
    verbose_name = "GymOS admin"
