"""Staff in the admin: trainers created through provisioning and
deactivated at once; the hourly rate hidden from everyone but admins
(pages, list lookups, export, history); certifications with the content
check and the expiring filter; the leave workflow end to end."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.classes.models import ClassSession
from core.notifications.models import Message
from core.staff.models import Certification, LeaveRequest, Trainer
from core.staff.services.accounts import trainer_profile_update
from core.staff.services.certifications import certification_add
from fixtures.factories import AdminFactory, SupportFactory
from tests.core.classes.builders import local, make_plan, reload
from tests.core.classes.conftest import MONDAY, TUESDAY, clock  # noqa: F401
from tests.core.staff.builders import booked_members, class_at, leave_for, pdf_upload, trainer_profile
from tests.support.responses import get_queries

pytestmark = pytest.mark.django_db
RATE = "1234.56"
RATE_TEXTS = ("1234.56", "1,234.56", "1234,56")
TRAINERS = "/admin/staff/trainer/"
# The read-only certificates inline still posts its management form, as a browser does.
INLINE = {"certifications-TOTAL_FORMS": "1", "certifications-INITIAL_FORMS": "1"}
LEAVES = "/admin/staff/leaverequest/"


@pytest.fixture
def people(db):
    admin = AdminFactory(first_name="Ada")
    tanvir, nusrat = trainer_profile("Tanvir"), trainer_profile("Nusrat")
    trainer_profile_update(trainer=tanvir, by=admin, hourly_rate=RATE, bio="Coach")
    trainer_profile_update(trainer=tanvir, by=admin, bio="Strength coach")  # a history entry
    certification_add(
        trainer=tanvir, title="First aid", expires_on=MONDAY + datetime.timedelta(days=10), upload=pdf_upload(),
        by=tanvir.user,
    )  # fmt: skip
    return {"admin": admin, "support": SupportFactory(first_name="Sam"), "tanvir": tanvir, "nusrat": nusrat}


def _body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _support_pages(people) -> list[str]:
    tanvir = people["tanvir"]
    cert = Certification.objects.get()
    leave = leave_for(tanvir, local(TUESDAY, 8), local(TUESDAY, 9))
    return [
        TRAINERS, f"{TRAINERS}?o=1", f"{TRAINERS}{tanvir.pk}/change/", f"{TRAINERS}{tanvir.pk}/history/",
        "/admin/staff/certification/", f"/admin/staff/certification/{cert.pk}/change/",
        LEAVES, f"{LEAVES}{leave.pk}/change/", "/admin/programs/workoutprogram/", "/admin/",
        "/admin/accounts/user/?staff=1",
    ]  # fmt: skip


def test_support_staff_never_see_the_hourly_rate(client, people):
    # given
    client.force_login(people["support"])
    # when
    pages = {path: _body(client.get(path)) for path in _support_pages(people)}
    # then
    for path, body in pages.items():
        assert not any(text in body for text in RATE_TEXTS), f"the hourly rate shows on {path}"
        assert "Hourly rate" not in body, path


def test_admins_see_and_edit_the_hourly_rate(client, people):
    # given
    client.force_login(people["admin"])
    tanvir = people["tanvir"]
    # then: the same pages show it to an admin (so the test above can fail)
    assert "1,234.56" in _body(client.get(TRAINERS))
    assert RATE in _body(client.get(f"{TRAINERS}{tanvir.pk}/change/"))
    # when
    response = client.post(
        f"{TRAINERS}{tanvir.pk}/change/",
        {"bio": "Strength coach", "specialties": "strength", "hourly_rate": "900", **INLINE},
    )
    # then
    assert response.status_code == 302
    assert str(reload(tanvir).hourly_rate) == "900.00"


def test_support_cannot_probe_the_rate_through_list_lookups(client, people):
    client.force_login(people["support"])
    assert client.get(f"{TRAINERS}?hourly_rate__gte=1000").status_code == 400
    assert client.get(f"{TRAINERS}?hourly_rate=1234.56").status_code == 400
    client.force_login(people["admin"])
    assert client.get(f"{TRAINERS}?hourly_rate__gte=1000").status_code == 200


def test_support_posting_a_rate_changes_nothing(client, people):
    # given: support has no change permission on trainers by default; grant it to try the form
    from django.contrib.auth.models import Permission

    support = people["support"]
    support.user_permissions.add(Permission.objects.get(codename="change_trainer"))
    client.force_login(support)
    tanvir = people["tanvir"]
    # when
    response = client.post(
        f"{TRAINERS}{tanvir.pk}/change/", {"bio": "New bio", "specialties": "", "hourly_rate": "1", **INLINE}
    )
    # then
    assert response.status_code == 302
    assert reload(tanvir).bio == "New bio"
    assert str(reload(tanvir).hourly_rate) == RATE


@pytest.mark.parametrize("who", ["support", "admin"])
def test_the_trainer_export_has_no_rate(client, people, who):
    client.force_login(people[who])
    response = client.post(TRAINERS, {"action": "export_csv", "_selected_action": [people["tanvir"].pk]})
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "Tanvir" in body and "strength" not in body.split("\n")[0]
    assert not any(text in body for text in RATE_TEXTS)


def test_an_admin_adds_a_trainer_through_provisioning(client, people):
    # given
    client.force_login(people["admin"])
    # when
    response = client.post(
        f"{TRAINERS}add/",
        {"email": "rina@example.com", "first_name": "Rina", "last_name": "Das", "bio": "Boxing",
         "specialties": "boxing", "hourly_rate": "700"},
    )  # fmt: skip
    # then
    assert response.status_code == 302
    trainer = Trainer.objects.get(user__email="rina@example.com")
    assert trainer.user.must_change_password and trainer.user.role == "TRAINER"
    assert str(trainer.hourly_rate) == "700.00"
    assert Message.objects.filter(template="welcome", recipient="rina@example.com").count() == 1


def test_support_cannot_add_trainers(client, people):
    client.force_login(people["support"])
    assert client.get(f"{TRAINERS}add/").status_code == 403


def test_deactivating_from_the_trainer_page_flags_their_classes(client, people):
    # given
    tanvir = people["tanvir"]
    session = class_at(tanvir.user, local(TUESDAY, 10))
    client.force_login(people["admin"])
    # when
    response = client.post(f"{TRAINERS}{tanvir.pk}/deactivate/", {"_apply": 1})
    # then
    assert response.status_code == 302
    assert not reload(tanvir.user).is_active
    assert reload(session).needs_review
    assert "needs a new instructor" in _body(client.get(f"{TRAINERS}{tanvir.pk}/change/"))


def test_deactivating_from_the_user_admin_flags_their_classes_too(client, people):
    tanvir = people["tanvir"]
    session = class_at(tanvir.user, local(TUESDAY, 10))
    client.force_login(people["admin"])
    client.post("/admin/accounts/user/", {"action": "deactivate", "_selected_action": [tanvir.user_id]})
    assert not reload(tanvir.user).is_active and reload(session).needs_review


def test_certifications_bad_files_are_refused_and_expiring_ones_filtered(client, people):
    # given
    client.force_login(people["admin"])
    form = {"trainer": people["nusrat"].pk, "title": "CPR", "issuer": "", "expires_on": ""}
    # when
    bad = client.post(
        "/admin/staff/certification/add/", {**form, "upload": SimpleUploadedFile("a.pdf", b"MZ\x90\x00 not a pdf")}
    )
    good = client.post("/admin/staff/certification/add/", {**form, "upload": pdf_upload()})
    # then
    assert bad.status_code == 200 and "neither a PDF nor an image" in bad.content.decode()
    assert good.status_code == 302
    soon = client.get("/admin/staff/certification/?expiry=soon")
    assert [c.title for c in soon.context["cl"].result_list] == ["First aid"]
    assert "Expires within 30 days" in _body(soon)


# --- leave ---------------------------------------------------------------------------------


@pytest.fixture
def leave_case(people):
    """Tanvir's pending leave on Tuesday with two booked classes in it; Nusrat is free, Busy is not."""
    plan = make_plan(name="Monthly")
    first = class_at(people["tanvir"].user, local(TUESDAY, 10))
    second = class_at(people["tanvir"].user, local(TUESDAY, 17))
    for session in (first, second):
        session.class_type.included_in_plans.add(plan)
    members = {first.pk: booked_members(first, plan, name="A"), second.pk: booked_members(second, plan, name="B")}
    busy = trainer_profile("Busy")
    class_at(busy.user, local(TUESDAY, 10))
    leave = leave_for(people["tanvir"], local(TUESDAY, 8), local(TUESDAY, 20), "Wedding")
    return {**people, "first": first, "second": second, "members": members, "busy": busy, "leave": leave}


def test_the_leave_page_lists_the_classes_and_approval_is_refused_until_each_is_handled(client, leave_case):
    # given
    leave, first, second = leave_case["leave"], leave_case["first"], leave_case["second"]
    client.force_login(leave_case["admin"])
    base = f"{LEAVES}{leave.pk}"
    # then: the page names both classes with their steps
    page = _body(client.get(f"{base}/change/"))
    assert "2 classes still need a decision before this leave can be approved." in page
    assert f"{base}/classes/{first.pk}/reassign/" in page
    # when: approving now
    refused = client.post(f"{base}/approve/", {"_apply": 1, "note": ""})
    # then: refused with the reason on the page, nothing sent
    assert refused.status_code == 200
    assert "2 classes in this leave still need a decision" in refused.content.decode()
    assert reload(leave).status == LeaveRequest.Status.PENDING
    # when: the reassign page offers only the free trainer
    options = _body(client.get(f"{base}/classes/{first.pk}/reassign/"))
    assert leave_case["nusrat"].user.full_name in options
    assert leave_case["busy"].user.full_name not in options
    # and a busy trainer posted anyway is refused
    client.post(f"{base}/classes/{first.pk}/reassign/", {"_apply": 1, "instructor": leave_case["busy"].user_id})
    assert reload(first).instructor == leave_case["tanvir"].user
    # when: one class reassigned, the other moved out of the leave
    client.post(f"{base}/classes/{first.pk}/reassign/", {"_apply": 1, "instructor": leave_case["nusrat"].user_id})
    client.post(
        f"{base}/classes/{second.pk}/reschedule/",
        {"_apply": 1, "starts_at_0": "2026-03-04", "starts_at_1": "17:00", "room": "", "reason": "On leave"},
    )
    approved = client.post(f"{base}/approve/", {"_apply": 1, "note": "Have fun"})
    # then
    assert approved.status_code == 302
    assert reload(leave).status == LeaveRequest.Status.APPROVED
    assert reload(first).instructor == leave_case["nusrat"].user
    assert reload(second).starts_at == local(MONDAY + datetime.timedelta(days=2), 17)
    sent = {t: sorted(Message.objects.filter(template=t).values_list("recipient", flat=True))
            for t in ("class_instructor_changed", "class_rescheduled", "leave_approved")}  # fmt: skip
    assert sent["class_instructor_changed"] == sorted(m.user.email for m in leave_case["members"][first.pk])
    assert sent["class_rescheduled"] == sorted(m.user.email for m in leave_case["members"][second.pk])
    assert sent["leave_approved"] == [leave_case["tanvir"].user.email]
    assert "No class to come falls inside this leave" in _body(client.get(f"{base}/change/"))


def test_cancelling_a_class_and_denying_from_the_admin(client, leave_case):
    leave, first = leave_case["leave"], leave_case["first"]
    client.force_login(leave_case["admin"])
    base = f"{LEAVES}{leave.pk}"
    client.post(f"{base}/classes/{first.pk}/cancel/", {"_apply": 1, "reason": "Instructor away"})
    assert reload(first).status == ClassSession.Status.CANCELLED
    assert client.post(f"{base}/deny/", {"_apply": 1, "note": ""}).status_code == 200  # a note is required
    assert client.post(f"{base}/deny/", {"_apply": 1, "note": "Too busy"}).status_code == 302
    assert reload(leave).status == LeaveRequest.Status.DENIED
    assert Message.objects.filter(template="leave_denied").count() == 1


def test_support_sees_leave_but_cannot_decide(client, leave_case):
    leave, first = leave_case["leave"], leave_case["first"]
    client.force_login(leave_case["support"])
    base = f"{LEAVES}{leave.pk}"
    page = _body(client.get(f"{base}/change/"))
    assert "2 classes still need a decision" in page and "/reassign/" not in page
    assert client.post(f"{base}/approve/", {"_apply": 1}).status_code == 403
    assert client.post(f"{base}/classes/{first.pk}/cancel/", {"_apply": 1, "reason": "x"}).status_code == 403
    assert reload(leave).status == LeaveRequest.Status.PENDING


@pytest.mark.parametrize("path", [TRAINERS, LEAVES, "/admin/staff/certification/"])
def test_staff_lists_run_in_a_fixed_number_of_queries(client, people, path):
    # given
    client.force_login(people["admin"])
    leave_for(people["tanvir"], local(TUESDAY, 8), local(TUESDAY, 9))
    few = get_queries(client, path)
    for i in range(3):
        extra = trainer_profile(f"Extra{i}")
        leave_for(extra, local(TUESDAY, 8), local(TUESDAY, 9))
        certification_add(trainer=extra, title=f"Cert {i}", by=extra.user)
    # when
    many = get_queries(client, path)
    # then
    assert many == few


# --- programs -------------------------------------------------------------------------------


def test_programs_in_the_admin_render_and_save_through_the_service(client, people):
    # given
    from core.programs.models import WorkoutProgram
    from core.programs.services import workout_program_save
    from tests.core.classes.builders import make_member

    member = make_member(first_name="Cleo")
    member.assigned_trainer = people["tanvir"].user
    member.save()
    program = workout_program_save(
        member=member, by=people["tanvir"].user, title="Strength", days=[{"name": "Legs", "exercises": []}]
    )
    url = f"/admin/programs/workoutprogram/{program.pk}/change/"
    # when: support reads it, cannot change it
    client.force_login(people["support"])
    assert "Legs" in _body(client.get(url))
    assert client.post(url, {"title": "Desk", "notes": "", "days": "[]"}).status_code == 403
    # when: an admin saves malformed days, then good ones
    client.force_login(people["admin"])
    bad = client.post(url, {"title": "Strength", "notes": "", "days": '[{"name": ""}]'})
    good = client.post(url, {"title": "Strength", "notes": "", "days": '[{"name": "Arms", "exercises": []}]'})
    # then
    assert bad.status_code == 200 and "Day 1 needs a name" in bad.content.decode()
    assert good.status_code == 302
    program = WorkoutProgram.objects.get(pk=program.pk)
    assert program.days == [{"name": "Arms", "exercises": []}]
    assert [h.history_user for h in program.history.all()] == [people["admin"], people["tanvir"].user]
