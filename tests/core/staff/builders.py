"""Test data for staff, built through the services (the way the admin and
portal build it), on top of the classes builders and their clock."""

import datetime
import io
import itertools

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.accounts.models import User
from core.classes.models import ClassSession, ClassType
from core.classes.services.bookings import booking_create
from core.members.models import Member
from core.memberships.models import Plan
from core.staff.models import LeaveRequest, Trainer
from core.staff.services.accounts import trainer_profile_ensure
from core.staff.services.leave import leave_request_create
from fixtures.demo_staff import _pdf_bytes
from tests.core.classes.builders import make_class_type, make_member, make_room, make_trainer, one_off

_seq = itertools.count(1)


def trainer_profile(first_name: str = "Tanvir") -> Trainer:
    return trainer_profile_ensure(user=make_trainer(first_name))


def class_at(instructor: User, starts_at: datetime.datetime, *, class_type: ClassType | None = None) -> ClassSession:
    """A one-off class (own room, so rooms never clash) taught by ``instructor``."""
    class_type = class_type or make_class_type(title=f"Class {next(_seq)}")
    return one_off(class_type=class_type, instructor=instructor, room=make_room(), starts_at=starts_at, capacity=10)


def booked_members(session: ClassSession, plan: Plan, n: int = 2, *, name: str = "Member") -> list[Member]:
    """``n`` members on ``plan`` (which must include the class type) booked on ``session``."""
    members = [make_member(plan=plan, first_name=f"{name}{i}") for i in range(n)]
    for member in members:
        booking_create(session=session, member=member)
    return members


def leave_for(
    trainer: Trainer, start: datetime.datetime, end: datetime.datetime, reason: str = "Holiday"
) -> LeaveRequest:
    return leave_request_create(trainer=trainer, starts_at=start, ends_at=end, reason=reason, by=trainer.user)


def pdf_upload(name: str = "certificate.pdf", title: str = "ACE Personal Trainer") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _pdf_bytes(title), content_type="application/pdf")


def png_upload(name: str = "certificate.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 90)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def fake_pdf_upload() -> SimpleUploadedFile:
    """A script renamed to .pdf, claiming to be a PDF."""
    return SimpleUploadedFile("certificate.pdf", b"#!/bin/sh\nrm -rf /\n", content_type="application/pdf")


def huge_pdf_upload() -> SimpleUploadedFile:
    """A real PDF padded past 10 MB."""
    data = _pdf_bytes("Big")
    body = data[: -len(b"%%EOF\n")] + b"%" + b"0" * (10 * 1024 * 1024) + b"\n%%EOF\n"
    return SimpleUploadedFile("big.pdf", body, content_type="application/pdf")
