from django.apps import AppConfig


class MembershipsConfig(AppConfig):
    name = "core.memberships"
    label = "memberships"
    verbose_name = "Memberships"
