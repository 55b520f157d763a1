"""Classes in the admin: the pages and who may plan, and schedules saved through the services (preview, refusals)."""

import datetime

import pytest
from django.utils import timezone

from core.classes.models import ClassSchedule, ClassSession
from core.classes.services.bookings import booking_create
from core.notifications.models import Message
from tests.admin_site.classes_support import BOOKINGS, SCHEDULES, SESSIONS, roster_url
from tests.core.classes.builders import (
    local,
    make_member,
    make_room,
    reload,
)
from tests.support.classes import MONDAY, TUESDAY
from tests.support.responses import messages_of, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


# --- pages render -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin_user", "support_user"])
def test_class_pages_render_for_admin_and_support(client, request, role, full_class, yoga, room):
    # given
    session, _ = full_class
    client.force_login(request.getfixturevalue(role))
    pages = [
        "/admin/classes/room/", f"/admin/classes/room/{room.pk}/change/", "/admin/classes/classtag/",
        "/admin/classes/classtype/", f"/admin/classes/classtype/{yoga.pk}/change/", SCHEDULES,
        f"{SCHEDULES}{session.schedule_id}/change/", SESSIONS, f"{SESSIONS}?when=all", f"{SESSIONS}?when=past",
        f"{SESSIONS}?when=week", f"{SESSIONS}{session.pk}/change/", roster_url(session), BOOKINGS,
        f"{BOOKINGS}?class_date=upcoming", f"{BOOKINGS}?session__id__exact={session.pk}",
    ]  # fmt: skip
    # when / then
    for url in pages:
        assert client.get(url).status_code == 200, url
    sidebar = text(client.get(SESSIONS))
    for item in ("Class calendar", "Needs review", "Bookings", "Schedules", "Class types", "Rooms"):
        assert item in sidebar


def test_support_cannot_plan_or_move_classes(as_support, yoga_tuesday):
    # when / then: schedules are admin work; so are reschedule and cancel
    assert as_support.get(f"{SCHEDULES}add/").status_code == 403
    assert as_support.get(f"{SESSIONS}{yoga_tuesday.pk}/reschedule/").status_code == 403
    assert as_support.post(f"{SESSIONS}{yoga_tuesday.pk}/cancel/", {"_apply": "1", "reason": "x"}).status_code == 403
    assert reload(yoga_tuesday).status == "SCHEDULED"
    page = text(as_support.get(SESSIONS))
    assert "cancel_sessions" not in page and "reschedule" not in page
    assert "Add class schedule" not in text(as_support.get(SCHEDULES))


# --- schedules through the services --------------------------------------------------------


def schedule_form(yoga, trainer, room, **overrides) -> dict:
    data = {
        "class_type": yoga.pk, "instructor": trainer.pk, "support_staff": "", "room": room.pk, "capacity": "12",
        "starts_on": "2026-03-03", "start_time": "07:00", "duration_minutes": "60",
        "recurrence": "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=6", "booking_opens_days": "7", "booking_closes_minutes": "0",
        "cancel_cutoff_hours": "12", "weekly_limit": "",
    }  # fmt: skip
    data.update(overrides)
    return data


def row_counts() -> tuple:
    return (
        ClassSchedule.objects.count(),
        ClassSession.objects.count(),
        ClassSchedule.history.count(),
        ClassSession.history.count(),
        Message.objects.count(),
    )


def test_adding_a_schedule_creates_its_sessions(as_admin, yoga, trainer, room):
    # when
    response = as_admin.post(f"{SCHEDULES}add/", schedule_form(yoga, trainer, room), follow=True)
    # then
    assert response.status_code == 200
    schedule = ClassSchedule.objects.get()
    starts = [s.starts_at for s in schedule.sessions.order_by("starts_at")]
    assert starts[:3] == [
        local(TUESDAY, 7),
        local(TUESDAY + datetime.timedelta(2), 7),
        local(MONDAY + datetime.timedelta(8), 7),
    ]
    assert len(starts) == 6
    assert schedule.created_by.email.startswith("admin")
    assert any("6 classes created" in m for m in messages_of(response))


def test_capacity_and_duration_default_to_the_class_type(as_admin, yoga, trainer, room):
    as_admin.post(f"{SCHEDULES}add/", schedule_form(yoga, trainer, room, capacity="", duration_minutes=""))
    schedule = ClassSchedule.objects.get()
    assert (schedule.capacity, schedule.duration_minutes) == (20, 60)


@pytest.mark.parametrize(
    ("overrides", "field", "expected"),
    [
        ({"capacity": "25"}, "capacity", "Studio A holds 20 people; the capacity cannot be more than that"),
        ({"recurrence": "FREQ=HOURLY"}, "recurrence", "FREQ=HOURLY is not allowed"),
        ({"recurrence": "every monday"}, "recurrence", "is not a repeat rule we can use"),
    ],
)
def test_bad_schedule_input_is_refused_beside_the_field(as_admin, yoga, trainer, room, overrides, field, expected):
    # given
    before = row_counts()
    # when
    response = as_admin.post(f"{SCHEDULES}add/", schedule_form(yoga, trainer, room, **overrides))
    # then
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert expected in " ".join(errors[field])
    assert row_counts() == before


def test_a_clash_is_refused_naming_the_other_class_and_nothing_is_saved(as_admin, yoga_tuesday, yoga, trainer):
    # given: another room, same trainer, Tuesday 18:30 clashes with yoga_tuesday (18:00-19:00)
    other_room = make_room(name="Studio B", capacity=12)
    before = row_counts()
    # when
    response = as_admin.post(
        f"{SCHEDULES}add/",
        schedule_form(yoga, trainer, other_room, capacity="10", start_time="18:30", recurrence=""),
    )
    # then
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert "overlaps Yoga on Tue 03 Mar 2026, 18:00–19:00 in Studio A with Tanvir" in errors
    assert "(the same instructor)" in errors
    assert row_counts() == before


def test_preview_lists_the_next_classes_and_saves_nothing(as_admin, yoga, trainer, room):
    # given
    before = row_counts()
    # when
    response = as_admin.post(f"{SCHEDULES}add/", {**schedule_form(yoga, trainer, room), "_preview": "1"})
    # then
    assert response.status_code == 200
    page = text(response)
    assert "Next 6 classes:" in page
    assert "Tue 3 Mar 2026, 07:00" in page and "Thu 12 Mar 2026, 07:00" in page
    assert "No clashes" in page and "Save would create 6 classes" in page
    assert "Preview only: nothing was saved." in messages_of(response)[0]
    assert row_counts() == before


def test_preview_shows_a_clash_as_an_error(as_admin, yoga_tuesday, yoga, trainer):
    # given
    before = row_counts()
    # when
    response = as_admin.post(
        f"{SCHEDULES}add/",
        {
            **schedule_form(yoga, trainer, make_room(name="Studio B"), start_time="18:30", recurrence=""),
            "_preview": "1",
        },
    )
    # then
    form = response.context["adminform"].form
    assert "overlaps Yoga on Tue 03 Mar 2026" in " ".join(form.non_field_errors())
    assert "Not saved" in text(response) and "Tue 3 Mar 2026, 18:30" in text(response)
    assert row_counts() == before


def test_editing_a_schedule_moves_free_classes_and_flags_booked_ones(as_admin, yoga, trainer, room, plan):
    # given: a weekly class with a booking on its first session
    as_admin.post(f"{SCHEDULES}add/", schedule_form(yoga, trainer, room))
    schedule = ClassSchedule.objects.get()
    first = schedule.sessions.order_by("starts_at").first()
    booking_create(session=first, member=make_member(plan=plan))
    # when: it moves to 08:00
    response = as_admin.post(
        f"{SCHEDULES}{schedule.pk}/change/",
        {**schedule_form(yoga, trainer, room, start_time="08:00"), "is_active": "on"},
        follow=True,
    )
    # then
    assert response.status_code == 200
    assert reload(first).starts_at == local(TUESDAY, 7) and reload(first).needs_review
    others = schedule.sessions.exclude(pk=first.pk)
    assert {timezone.localtime(s.starts_at).hour for s in others} == {8}
    assert any("1 booked class kept the old details and need review" in m for m in messages_of(response))
    # and the change page shows the next classes with the flag
    page = text(as_admin.get(f"{SCHEDULES}{schedule.pk}/change/"))
    assert "Needs review" in page and "Next classes" in page


def test_the_schedule_list_describes_the_rule(as_admin, yoga, trainer, room):
    as_admin.post(
        f"{SCHEDULES}add/", schedule_form(yoga, trainer, room, recurrence="FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20260331")
    )
    assert "07:00 · Weekly: Tue, Thu until 31 Mar 2026" in text(as_admin.get(SCHEDULES))
