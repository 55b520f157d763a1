"""URLs of the trainer's portal (/portal/trainer/...) and the member's
programs page; spliced into portal/urls.py, in the "portal" namespace."""

from django.urls import path

from portal import programs, trainer, trainer_clients, trainer_profile

trainer_patterns = [
    path("trainer/", trainer.home, name="trainer_home"),
    path("trainer/sessions/<int:pk>/", trainer.session_detail, name="trainer_session"),
    path("trainer/sessions/<int:pk>/reschedule/", trainer.session_reschedule_view, name="trainer_session_reschedule"),
    path("trainer/sessions/<int:pk>/cancel/", trainer.session_cancel_view, name="trainer_session_cancel"),
    path("trainer/sessions/<int:pk>/attendance/", trainer.session_mark_view, name="trainer_session_mark"),
    path("trainer/profile/", trainer_profile.profile, name="trainer_profile"),
    path("trainer/profile/certifications/", trainer_profile.certification_upload, name="trainer_certification_add"),
    path(
        "trainer/certifications/<int:pk>/file/",
        trainer_profile.certification_file,
        name="trainer_certification_file",
    ),
    path("trainer/leave/", trainer_profile.leave, name="trainer_leave"),
    path("trainer/clients/", trainer_clients.client_list, name="trainer_clients"),
    path("trainer/clients/<str:code>/", trainer_clients.client_detail, name="trainer_client"),
    path("trainer/clients/<str:code>/workout/", trainer_clients.workout_edit, name="trainer_client_workout"),
    path("trainer/clients/<str:code>/diet/", trainer_clients.diet_edit, name="trainer_client_diet"),
    path("programs/", programs.my_programs, name="programs"),
]
