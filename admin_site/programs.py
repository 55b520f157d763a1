"""Members' workout programs and diet plans in the admin: a list, a readable
page, and editing through the program services (the days and meals as JSON
for staff; trainers edit them with forms in their portal). History shows who
saved what, when."""

from django.contrib import admin
from django.template.loader import render_to_string
from unfold.decorators import display

from admin_site.base import GymModelAdmin
from admin_site.service_forms import ServiceFormAdminMixin, call_service
from core.members.models import Member
from core.programs.models import DietPlan, WorkoutProgram
from core.programs.services import diet_plan_save, workout_program_save


class ProgramAdminBase(ServiceFormAdminMixin, GymModelAdmin):
    list_display = ["title", "member", "trainer_name", "updated_at", "updated_by"]
    list_select_related = ["member__user", "trainer", "updated_by"]
    search_fields = ["title", "member__code", "member__user__first_name", "member__user__last_name"]
    list_filter = ["trainer"]
    readonly_fields = ["preview", "trainer", "updated_by", "updated_at"]
    content_field = ""
    template = ""

    def get_fieldsets(self, request, obj=None):
        edit = ["title", "notes", self.content_field]
        if obj is None:
            return [(None, {"fields": ["member", *edit]})]
        return [
            ("As the member reads it", {"fields": ["preview"]}),
            ("Edit", {"fields": edit}),
            ("Last saved", {"fields": ["trainer", "updated_by", "updated_at"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "member"] if obj is not None else readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "member":
            kwargs["queryset"] = Member.objects.select_related("user").order_by("code")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @display(description="Trainer", ordering="trainer__first_name")
    def trainer_name(self, obj):
        return obj.trainer.full_name if obj.trainer_id else "-"

    @display(description="Program")
    def preview(self, obj):
        return render_to_string(self.template, {"program": obj, "plan": obj})

    def has_delete_permission(self, request, obj=None):
        return False  # a program is replaced, never lost: its history stays readable


@admin.register(WorkoutProgram)
class WorkoutProgramAdmin(ProgramAdminBase):
    content_field = "days"
    template = "portal/programs/_workout.html"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        member = obj.member if change else data["member"]
        saved = call_service(
            workout_program_save, member=member, by=request.user, title=data["title"], days=data["days"] or [],
            notes=data.get("notes", ""),
        )  # fmt: skip
        obj.pk = saved.pk
        obj.refresh_from_db()


@admin.register(DietPlan)
class DietPlanAdmin(ProgramAdminBase):
    content_field = "meals"
    template = "portal/programs/_diet.html"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        member = obj.member if change else data["member"]
        saved = call_service(
            diet_plan_save, member=member, by=request.user, title=data["title"], meals=data["meals"] or [],
            notes=data.get("notes", ""),
        )  # fmt: skip
        obj.pk = saved.pk
        obj.refresh_from_db()
