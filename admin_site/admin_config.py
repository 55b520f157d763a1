from django.contrib.admin.apps import AdminConfig


class GymAdminConfig(AdminConfig):
    """django.contrib.admin with GymOS's site as the default ``admin.site``."""

    default_site = "admin_site.sites.GymAdminSite"
