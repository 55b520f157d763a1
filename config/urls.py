from django.contrib import admin
from django.urls import include, path

from portal import health, payments, views, webhooks

urlpatterns = [
    path("", views.landing, name="landing"),
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("portal/", include("portal.urls")),
    path("payments/bkash/callback/", payments.bkash_callback, name="bkash_callback"),
    path("webhooks/bkash/", webhooks.bkash_webhook, name="bkash_webhook"),
]
