from django.contrib import admin
from django.urls import include, path

from portal import health, leads, payments, views, webhooks, whatsapp_webhook

urlpatterns = [
    path("", views.landing, name="landing"),
    path("apply/", leads.apply, name="apply"),
    path("apply/thanks/", leads.apply_thanks, name="apply_thanks"),
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("portal/", include("portal.urls")),
    path("iclock/", include("devices.urls")),
    path("payments/bkash/callback/", payments.bkash_callback, name="bkash_callback"),
    path("webhooks/bkash/", webhooks.bkash_webhook, name="bkash_webhook"),
    path("webhooks/whatsapp/", whatsapp_webhook.whatsapp_webhook, name="whatsapp_webhook"),
]
