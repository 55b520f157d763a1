"""The trainer's portal: who may open each page, the schedule and changes to
the trainer's own classes, profile and certificates, leave, clients and
their programs; the member's read-only programs page; and the hourly rate
appearing on no trainer-visible page."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.attendance.services import checkin_manual
from core.classes.models import Booking, ClassSession
from core.notifications.models import Message
from core.programs.models import WorkoutProgram
from core.programs.services import workout_program_save
from core.staff.models import Certification, LeaveRequest
from core.staff.services.accounts import trainer_profile_update
from core.staff.services.certifications import certification_add
from fixtures.factories import AdminFactory, SupportFactory
from tests.core.classes.builders import local, make_member, make_plan, reload
from tests.core.classes.conftest import MONDAY, TUESDAY, clock  # noqa: F401
from tests.core.staff.builders import booked_members, class_at, leave_for, pdf_upload, trainer_profile

pytestmark = pytest.mark.django_db
RATE = "1234.56"
RATE_TEXTS = ("1234.56", "1,234.56", "1234,56", "1234")


@pytest.fixture
def world(db):
    """Tanvir with a class tomorrow (two members booked), a client with a
    program, a certificate and an hourly rate; Nusrat, another trainer."""
    admin = AdminFactory(first_name="Ada")
    tanvir, nusrat = trainer_profile("Tanvir"), trainer_profile("Nusrat")
    trainer_profile_update(trainer=tanvir, by=admin, hourly_rate=RATE, bio="Strength coach")
    plan = make_plan(name="Monthly")
    session = class_at(tanvir.user, local(TUESDAY, 18))
    session.class_type.included_in_plans.add(plan)
    members = booked_members(session, plan)
    client = make_member(plan=plan, first_name="Cleo")
    client.assigned_trainer = tanvir.user
    client.save()
    workout_program_save(member=client, by=tanvir.user, title="Full body", days=[{"name": "Day 1", "exercises": []}])
    certificate = certification_add(trainer=tanvir, title="ACE", upload=pdf_upload(), by=tanvir.user)
    return {
        "admin": admin, "support": SupportFactory(first_name="Sam"), "tanvir": tanvir, "nusrat": nusrat,
        "session": session, "members": members, "client": client, "certificate": certificate, "plan": plan,
    }  # fmt: skip


# (method, path template, bound to Tanvir's objects)
PAGES = [
    ("get", "/portal/trainer/", False),
    ("get", "/portal/trainer/sessions/{session}/", True),
    ("post", "/portal/trainer/sessions/{session}/reschedule/", True),
    ("post", "/portal/trainer/sessions/{session}/cancel/", True),
    ("post", "/portal/trainer/sessions/{session}/attendance/", True),
    ("get", "/portal/trainer/profile/", False),
    ("post", "/portal/trainer/profile/certifications/", False),
    ("get", "/portal/trainer/certifications/{certificate}/file/", True),
    ("get", "/portal/trainer/leave/", False),
    ("get", "/portal/trainer/clients/", False),
    ("get", "/portal/trainer/clients/{client}/", True),
    ("get", "/portal/trainer/clients/{client}/workout/", True),
    ("get", "/portal/trainer/clients/{client}/diet/", True),
]
# Tanvir's own answer: pages 200; a POST with nothing filled in is refused (400) or sent back (302).
OWN = {"reschedule": 400, "cancel": 400, "attendance": 302, "certifications/": 400}


def _path(template: str, world) -> str:
    return template.format(
        session=world["session"].pk, certificate=world["certificate"].pk, client=world["client"].code
    )


def _own_status(method: str, path: str) -> int:
    if method == "get":
        return 200
    return next(code for key, code in OWN.items() if path.rstrip("/").endswith(key.rstrip("/")))


@pytest.mark.parametrize(("method", "template", "bound"), PAGES, ids=[p[1] for p in PAGES])
@pytest.mark.parametrize("role", ["anonymous", "member", "other_trainer", "own_trainer", "support", "admin"])
def test_permission_matrix(client, world, role, method, template, bound):
    # given
    path = _path(template, world)
    who = {
        "anonymous": None, "member": world["members"][0].user, "other_trainer": world["nusrat"].user,
        "own_trainer": world["tanvir"].user, "support": world["support"], "admin": world["admin"],
    }[role]  # fmt: skip
    if who is not None:
        client.force_login(who)
    before = (reload(world["session"]).starts_at, reload(world["session"]).status)
    # when
    response = getattr(client, method)(path)
    # then
    is_file = "/file/" in path
    if role == "anonymous":
        expected = 302
    elif role == "member":
        expected = 403
    elif role in ("support", "admin"):
        expected = 200 if is_file else 403
    elif role == "other_trainer" and bound:
        expected = 404
    else:
        expected = _own_status(method, path)
    assert response.status_code == expected
    if role == "anonymous":
        assert response.url.startswith("/accounts/login/?next=")
    # and nobody changed the class by probing
    assert (reload(world["session"]).starts_at, reload(world["session"]).status) == before


def test_the_hourly_rate_is_on_no_trainer_visible_page(client, world):
    # given: a leave request and a past class too, so every section renders
    leave_for(world["tanvir"], local(TUESDAY, 6), local(TUESDAY, 7), "Dentist")
    client.force_login(world["tanvir"].user)
    paths = [_path(t, world) for m, t, _b in PAGES if m == "get" and "/file/" not in t]
    # when
    pages = {path: client.get(path) for path in paths}
    # then
    for path, response in pages.items():
        assert response.status_code == 200, path
        body = response.content.decode()
        assert not any(text in body for text in RATE_TEXTS), f"the hourly rate shows on {path}"
        assert "hourly" not in body.lower(), path


def test_the_schedule_shows_fill_and_the_roster(client, world):
    client.force_login(world["tanvir"].user)
    home = client.get("/portal/trainer/").content.decode()
    assert "Hello, Tanvir" in home and "My schedule" in home and "2 / 10" in home
    roster = client.get(f"/portal/trainer/sessions/{world['session'].pk}/").content.decode()
    for member in world["members"]:
        assert member.code in roster


def test_moving_my_class_tells_the_members(client, world):
    # given
    client.force_login(world["tanvir"].user)
    session = world["session"]
    # when
    response = client.post(
        f"/portal/trainer/sessions/{session.pk}/reschedule/",
        {"starts_at": "2026-03-04T18:00", "reason": "Floor repair"},
    )
    # then
    assert response.status_code == 302
    assert reload(session).starts_at == local(MONDAY + datetime.timedelta(days=2), 18)
    assert sorted(Message.objects.filter(template="class_rescheduled").values_list("recipient", flat=True)) == sorted(
        m.user.email for m in world["members"]
    )


def test_cancelling_my_class_needs_a_reason(client, world):
    client.force_login(world["tanvir"].user)
    session = world["session"]
    refused = client.post(f"/portal/trainer/sessions/{session.pk}/cancel/", {"reason": ""})
    assert refused.status_code == 400 and reload(session).status == ClassSession.Status.SCHEDULED
    done = client.post(f"/portal/trainer/sessions/{session.pk}/cancel/", {"reason": "Ill"})
    assert done.status_code == 302 and reload(session).status == ClassSession.Status.CANCELLED
    assert Message.objects.filter(template="class_cancelled").count() == 2


def test_another_trainers_class_cannot_be_changed(client, world):
    client.force_login(world["nusrat"].user)
    session = world["session"]
    response = client.post(f"/portal/trainer/sessions/{session.pk}/cancel/", {"reason": "Mine now"})
    assert response.status_code == 404
    assert reload(session).status == ClassSession.Status.SCHEDULED


def test_attendance_is_marked_once_the_class_started(client, world, clock):  # noqa: F811 (the fixture)
    # given
    client.force_login(world["tanvir"].user)
    session = world["session"]
    booking = Booking.objects.filter(session=session).first()
    clock.travel(local(TUESDAY, 18, 5))
    # when
    response = client.post(
        f"/portal/trainer/sessions/{session.pk}/attendance/", {"booking": booking.pk, "status": "ATTENDED"}
    )
    # then
    assert response.status_code == 302
    assert reload(booking).status == Booking.Status.ATTENDED


def test_profile_edit_and_certificate_upload(client, world):
    # given
    tanvir = world["tanvir"]
    client.force_login(tanvir.user)
    # when
    client.post("/portal/trainer/profile/", {"bio": "Coach", "specialties": "strength, rehab"})
    bad = client.post(
        "/portal/trainer/profile/certifications/",
        {"title": "Fake", "file": SimpleUploadedFile("x.pdf", b"<html>not a pdf</html>")},
    )
    good = client.post("/portal/trainer/profile/certifications/", {"title": "CPR", "file": pdf_upload()})
    # then
    assert reload(tanvir).specialties == "strength, rehab"
    assert reload(tanvir).hourly_rate is not None  # untouched
    assert bad.status_code == 400 and "neither a PDF nor an image" in bad.content.decode()
    assert good.status_code == 302
    assert list(Certification.objects.filter(trainer=tanvir).values_list("title", flat=True)) == ["ACE", "CPR"]


def test_the_certificate_file_is_private_and_served_as_a_download(client, world):
    client.force_login(world["tanvir"].user)
    response = client.get(f"/portal/trainer/certifications/{world['certificate'].pk}/file/")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_applying_for_leave_and_seeing_its_status(client, world):
    client.force_login(world["tanvir"].user)
    # when
    ok = client.post(
        "/portal/trainer/leave/", {"starts_at": "2026-03-03T17:00", "ends_at": "2026-03-03T21:00", "reason": "Exam"}
    )
    overlapping = client.post(
        "/portal/trainer/leave/", {"starts_at": "2026-03-03T20:00", "ends_at": "2026-03-03T22:00", "reason": "More"}
    )
    past = client.post(
        "/portal/trainer/leave/", {"starts_at": "2026-03-01T08:00", "ends_at": "2026-03-01T10:00", "reason": "Late"}
    )
    # then
    assert ok.status_code == 302
    assert overlapping.status_code == 400 and "This overlaps pending leave" in overlapping.content.decode()
    assert past.status_code == 400 and "starts in the past" in past.content.decode()
    page = client.get("/portal/trainer/leave/").content.decode()
    assert "Pending" in page and "Exam" in page and "1 class waiting for a decision" in page
    assert LeaveRequest.objects.count() == 1


def test_clients_list_shows_status_flags_and_last_check_in(client, world):
    # given
    member = world["client"]
    checkin_manual(member=member, by=None, at=local(MONDAY, 7, 15))
    client.force_login(world["tanvir"].user)
    # when
    page = client.get("/portal/trainer/clients/").content.decode()
    # then
    assert member.code in page and "Active" in page and "Workout" in page
    assert world["members"][0].code not in page  # booked in a class, but not a client
    assert "Mon 2 Mar, 07:15" in page


def test_editing_a_clients_workout_with_the_form_keeps_history(client, world):
    # given
    member = world["client"]
    client.force_login(world["tanvir"].user)
    form = client.get(f"/portal/trainer/clients/{member.code}/workout/").content.decode()
    assert 'name="day0-ex-TOTAL_FORMS"' in form
    data = {
        "title": "Full body v2", "notes": "", "day_count": "2",
        "day0-name": "Legs", "day0-ex-TOTAL_FORMS": "2", "day0-ex-INITIAL_FORMS": "0",
        "day0-ex-0-name": "Squat", "day0-ex-0-sets": "4", "day0-ex-0-reps": "6", "day0-ex-0-notes": "",
        "day0-ex-1-name": "", "day0-ex-1-sets": "", "day0-ex-1-reps": "", "day0-ex-1-notes": "",
        "day1-name": "", "day1-ex-TOTAL_FORMS": "1", "day1-ex-INITIAL_FORMS": "0",
        "day1-ex-0-name": "", "day1-ex-0-sets": "", "day1-ex-0-reps": "", "day1-ex-0-notes": "",
    }  # fmt: skip
    # when
    response = client.post(f"/portal/trainer/clients/{member.code}/workout/", data)
    # then
    assert response.status_code == 302
    program = WorkoutProgram.objects.get(member=member)
    assert program.days == [{"name": "Legs", "exercises": [{"name": "Squat", "sets": 4, "reps": "6", "notes": ""}]}]
    assert [h.history_user for h in program.history.all()] == [world["tanvir"].user] * 2
    detail = client.get(f"/portal/trainer/clients/{member.code}/").content.decode()
    assert "Changes (2)" in detail


def test_editing_a_clients_diet_with_the_form(client, world):
    member = world["client"]
    client.force_login(world["tanvir"].user)
    data = {
        "title": "Lean", "notes": "", "meal-TOTAL_FORMS": "2", "meal-INITIAL_FORMS": "0",
        "meal-0-name": "Breakfast", "meal-0-items": "Oats\n\n Eggs \n", "meal-0-notes": "",
        "meal-1-name": "", "meal-1-items": "", "meal-1-notes": "",
    }  # fmt: skip
    response = client.post(f"/portal/trainer/clients/{member.code}/diet/", data)
    assert response.status_code == 302
    assert member.diet_plan.meals == [{"name": "Breakfast", "items": ["Oats", "Eggs"], "notes": ""}]


def test_a_trainer_cannot_edit_another_trainers_client(client, world):
    member = world["client"]
    client.force_login(world["nusrat"].user)
    response = client.post(f"/portal/trainer/clients/{member.code}/workout/", {"title": "Mine", "day_count": "1"})
    assert response.status_code == 404
    assert WorkoutProgram.objects.get(member=member).title == "Full body"


def test_members_read_their_programs_read_only_and_printable(client, world):
    # given
    client.force_login(world["client"].user)
    # when
    response = client.get("/portal/programs/")
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "Full body" in body and "Day 1" in body and "@media print" in body
    assert "<form" not in body.replace('action="/accounts/logout/"', "").split("<main")[1]
    assert client.post("/portal/programs/").status_code == 405
    other = make_member(first_name="Nobody")
    client.force_login(other.user)
    assert "has not written a workout program" in client.get("/portal/programs/").content.decode()


def test_the_clients_list_runs_in_a_fixed_number_of_queries(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/portal/trainer/clients/").status_code == 200
        return len(captured)

    # given
    client.force_login(world["tanvir"].user)
    few = count()
    for i in range(3):
        member = make_member(plan=world["plan"], first_name=f"Extra{i}")
        member.assigned_trainer = world["tanvir"].user
        member.save()
    # then
    assert count() == few
