from django.contrib import admin
from django.urls import include, path

from portal import health, views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("portal/", include("portal.urls")),
]
