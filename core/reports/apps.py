from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Read-only selectors for the dashboard and the reports; no models."""

    name = "core.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core.billing.models import Payment
        from core.memberships.models import Membership, Plan
        from core.reports import receivers

        post_save.connect(receivers.payment_written, sender=Payment, dispatch_uid="reports_payment_saved")
        post_delete.connect(receivers.payment_written, sender=Payment, dispatch_uid="reports_payment_deleted")
        post_save.connect(receivers.membership_written, sender=Membership, dispatch_uid="reports_term_saved")
        post_delete.connect(receivers.membership_written, sender=Membership, dispatch_uid="reports_term_deleted")
        post_save.connect(receivers.plan_written, sender=Plan, dispatch_uid="reports_plan_saved")
