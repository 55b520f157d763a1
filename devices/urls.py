"""ADMS push endpoints, mounted at /iclock/ (config/urls.py). Firmware asks
for the paths without a trailing slash."""

from django.urls import path

from devices import views

app_name = "iclock"

urlpatterns = [
    path("cdata", views.cdata, name="cdata"),
    path("getrequest", views.getrequest, name="getrequest"),
    path("devicecmd", views.devicecmd, name="devicecmd"),
]
