from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from unfold.admin import ModelAdmin
from unfold.decorators import action

from admin_site.base import GymModelAdmin, run_service, validation_messages
from core.accounts import services
from core.accounts.models import User
from core.staff.services.accounts import staff_account_sync, staff_deactivate

admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin, ModelAdmin):
    pass


class StaffFilter(admin.SimpleListFilter):
    title = "kind of account"
    parameter_name = "staff"

    def lookups(self, request, model_admin):
        return [("1", "Staff and trainers"), ("0", "Members")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.exclude(role=User.Role.MEMBER)
        if self.value() == "0":
            return queryset.filter(role=User.Role.MEMBER)
        return queryset


class UserAddForm(forms.ModelForm):
    """Provisioning by an admin: any role, optional extra groups."""

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name", "role", "groups"]
        help_texts = {"email": "The person logs in with this address; their temporary password is emailed here."}

    def clean_email(self):
        email = services.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(f"An account with the email {email} already exists.")
        return email


class MemberAddForm(UserAddForm):
    """Provisioning by support staff: member accounts only, no rights."""

    class Meta(UserAddForm.Meta):
        fields = ["email", "first_name", "last_name", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(User.Role.MEMBER, User.Role.MEMBER.label)]


class UserChangeForm(forms.ModelForm):
    def clean_email(self):
        email = services.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise ValidationError(f"Another account already uses {email}.")
        return email


@admin.register(User)
class UserAdmin(GymModelAdmin):
    list_display = ["email", "full_name", "role", "is_active", "must_change_password", "last_login", "date_joined"]
    list_filter = ["role", StaffFilter, "is_active", "must_change_password", "is_demo"]
    search_fields = ["email", "first_name", "last_name"]
    ordering = ["email"]
    readonly_fields = ["must_change_password", "temp_password_expires_at", "last_login", "date_joined", "is_demo"]
    filter_horizontal = ["groups", "user_permissions"]
    actions = ["send_new_temp_password", "deactivate", "activate"]

    form = UserChangeForm

    @staticmethod
    def _add_form(request) -> type[UserAddForm]:
        return UserAddForm if request.user.is_admin else MemberAddForm

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": self._add_form(request)._meta.fields})]
        rights = ["role", "groups", "user_permissions"] if request.user.is_admin else ["role"]
        return [
            (None, {"fields": ["email", "first_name", "last_name", "is_active"]}),
            ("Role and rights", {"fields": rights}),
            (
                "Login",
                {
                    "fields": [
                        "must_change_password",
                        "temp_password_expires_at",
                        "last_login",
                        "date_joined",
                        "is_demo",
                    ]
                },
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(self.readonly_fields)
        if obj is not None and not request.user.is_admin:
            readonly.append("role")
        return readonly

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self._add_form(request)
        return super().get_form(request, obj, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.role != User.Role.MEMBER and not request.user.is_admin:
            return False  # support staff manage member accounts only
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: accounts carry history and money

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if change:
                fields = {name: data[name] for name in form.changed_data if name in data}
                user = services.user_update(user=obj, by=request.user, **fields)
            else:
                user = services.user_provision(
                    email=data["email"],
                    first_name=data["first_name"],
                    last_name=data.get("last_name", ""),
                    role=data["role"],
                    groups=list(data.get("groups") or []),
                    provisioned_by=request.user,
                )
                messages.info(request, f"A welcome email with a temporary password is on its way to {user.email}.")
        except ValidationError as exc:
            for text in validation_messages(exc):
                messages.error(request, text)
            # Nothing was saved: no "changed successfully", no log entry.
            request._gymos_refused = True
            if obj.pk:
                obj.refresh_from_db()
            return
        # A trainer gets a profile; one who can no longer teach has their classes flagged for review.
        staff_account_sync(user=user, by=request.user)
        obj.pk = user.pk
        obj.refresh_from_db()

    def log_addition(self, request, obj, message):
        if not getattr(request, "_gymos_refused", False):
            return super().log_addition(request, obj, message)
        return None

    def log_change(self, request, obj, message):
        if not getattr(request, "_gymos_refused", False):
            return super().log_change(request, obj, message)
        return None

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, "_gymos_refused", False):
            return HttpResponseRedirect(request.path)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(request, "_gymos_refused", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def save_related(self, request, form, formsets, change):
        # Groups and permissions were applied by the service.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @action(description="Send a new temporary password", permissions=["change"])
    def send_new_temp_password(self, request, queryset):
        for user in queryset:
            run_service(
                request,
                self,
                services.user_send_new_temp_password,
                user=user,
                by=request.user,
                success=f"A new temporary password is on its way to {user.email}.",
            )

    @action(description="Deactivate (blocks login at once)", permissions=["change"])
    def deactivate(self, request, queryset):
        for user in queryset:
            run_service(
                request,
                self,
                staff_deactivate,  # login refused at once; a trainer's classes are flagged for review
                user=user,
                by=request.user,
                success=f"{user.email} can no longer log in.",
            )

    @action(description="Activate", permissions=["change"])
    def activate(self, request, queryset):
        for user in queryset:
            run_service(
                request,
                self,
                services.user_activate,
                user=user,
                by=request.user,
                success=f"{user.email} can log in again.",
            )
