from django.apps import AppConfig


class AdminSiteConfig(AppConfig):
    name = "admin_site"
    verbose_name = "GymOS admin"

    def ready(self):
        from django.core.signals import request_started

        from admin_site import navigation, unfold_speedups

        unfold_speedups.install()
        request_started.connect(navigation.forget_badges, dispatch_uid="gymos_forget_badges")
