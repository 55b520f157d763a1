from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("member/", views.member_home, name="member_home"),
    path("trainer/", views.trainer_home, name="trainer_home"),
]
