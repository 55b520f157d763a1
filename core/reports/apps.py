from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Read-only selectors for the dashboard and the reports; no models."""

    name = "core.reports"
    label = "reports"
    verbose_name = "Reports"
