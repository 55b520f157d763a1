"""django-q2 and allauth register plain Django admins; re-register them with
unfold's styling (STACK.md)."""

from allauth.account import admin as allauth_admin
from allauth.account.models import EmailAddress
from django.contrib import admin
from django_q import admin as q_admin
from django_q import models as q_models
from unfold.admin import ModelAdmin

_RESTYLE = [
    (q_models.Schedule, q_admin.ScheduleAdmin),
    (q_models.Success, q_admin.TaskAdmin),
    (q_models.Failure, q_admin.FailAdmin),
    (q_models.OrmQ, q_admin.QueueAdmin),
    (EmailAddress, allauth_admin.EmailAddressAdmin),
]

for model, base_admin in _RESTYLE:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, type(base_admin.__name__, (base_admin, ModelAdmin), {}))
