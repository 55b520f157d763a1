from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "core.programs"
    label = "programs"
    verbose_name = "Workout programs and diet plans"
