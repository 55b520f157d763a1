"""Shared pieces of the member admin tests: URLs, form payloads, uploads, data."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.members.models import Member
from fixtures.factories import (
    FacilityFactory,
    HealthFlagFactory,
    MemberFactory,
    MembershipFactory,
    PlanFactory,
    TrainerUserFactory,
)

LIST_URL = "/admin/members/member/"
ADD_URL = "/admin/members/member/add/"


def change_url(member: Member) -> str:
    return f"/admin/members/member/{member.pk}/change/"


def image_upload(name: str = "me.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), color=(30, 120, 200)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def text_as_jpg() -> SimpleUploadedFile:
    return SimpleUploadedFile("holiday.jpg", b"this is a text file, not a photo\n", content_type="image/jpeg")


def change_form(member: Member, **overrides) -> dict:
    """What the member page posts when nothing is changed (plus the read-only memberships inline)."""
    terms = list(member.memberships.order_by("-starts_on"))
    data = {
        "phone": member.phone,
        "date_of_birth": member.date_of_birth or "",
        "address": member.address,
        "joined_on": member.joined_on or "",
        "emergency_contact_name": member.emergency_contact_name,
        "emergency_contact_relation": member.emergency_contact_relation,
        "emergency_contact_phone": member.emergency_contact_phone,
        "health_notes": member.health_notes,
        "health_flags": [f.pk for f in member.health_flags.all()],
        "biometric_id": member.biometric_id or "",
        "assigned_trainer": member.assigned_trainer_id or "",
        "memberships-TOTAL_FORMS": len(terms),
        "memberships-INITIAL_FORMS": len(terms),
        "memberships-MIN_NUM_FORMS": 0,
        "memberships-MAX_NUM_FORMS": 1000,
    }
    for i, term in enumerate(terms):
        data[f"memberships-{i}-id"] = term.pk
        data[f"memberships-{i}-member"] = member.pk
    data.update(overrides)
    return data


def add_form(**overrides) -> dict:
    data = {
        "email": "nadia@example.com",
        "first_name": "Nadia",
        "last_name": "Karim",
        "phone": "01712 345678",
        "emergency_contact_name": "Rina Karim",
        "emergency_contact_relation": "Mother",
        "emergency_contact_phone": "01812345678",
        "health_notes": "",
        "biometric_id": "",
        "assigned_trainer": "",
        "initial_plan": "",
        "plan_starts_on": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def make_members(n: int) -> list[Member]:
    """Members with a plan with facilities, a trainer and health flags: what the list shows per row."""
    plan = PlanFactory(facilities=[FacilityFactory(name="Sauna")])
    trainer = TrainerUserFactory()
    flag = HealthFlagFactory(name="Asthma")
    members = []
    for _ in range(n):
        m = MemberFactory(assigned_trainer=trainer, health_flags=[flag])
        MembershipFactory(member=m, plan=plan)
        members.append(m)
    return members
