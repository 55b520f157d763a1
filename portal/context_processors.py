from django.conf import settings


def gym(request) -> dict:
    return {"gym_name": settings.GYM_NAME, "gym_phone": settings.GYM_PHONE}
