"""Classes in the admin: the catalogue, schedules saved through the services
(with a preview, and refusals beside the fields with nothing saved), the
calendar-like session list with its actions, a session's roster (booking in,
attendance, cancelling) and the bookings list. The clock stands at Monday
2 March 2026, 09:00 gym time (Asia/Dhaka)."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.classes.models import Booking, ClassSchedule, ClassSession
from core.classes.services.bookings import booking_create
from core.classes.services.schedules import schedule_update
from core.notifications.models import Message
from tests.core.classes.builders import (
    Clock,
    give_credits,
    local,
    make_class_type,
    make_member,
    make_plan,
    make_room,
    make_trainer,
    one_off,
    reload,
)

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 3, 2)
TUESDAY = MONDAY + datetime.timedelta(days=1)
SESSIONS = "/admin/classes/classsession/"
SCHEDULES = "/admin/classes/classschedule/"
BOOKINGS = "/admin/classes/booking/"


def roster_url(session) -> str:
    return f"{SESSIONS}{session.pk}/roster/"


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture(autouse=True)
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch, local(MONDAY, 9))


@pytest.fixture
def plan(db):
    return make_plan(name="Monthly")


@pytest.fixture
def room(db):
    return make_room(name="Studio A", capacity=20)


@pytest.fixture
def trainer(db):
    return make_trainer("Tanvir")


@pytest.fixture
def yoga(plan):
    return make_class_type(title="Yoga", tags=("mind-body",), plans=(plan,))


@pytest.fixture
def yoga_tuesday(yoga, trainer, room):
    """Yoga on Tuesday 3 March 18:00-19:00 with 2 seats."""
    return one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, 18), capacity=2)


@pytest.fixture
def full_class(yoga_tuesday, plan):
    """yoga_tuesday with both seats booked and one member waiting: (session, [booked..., waiting])."""
    people = [make_member(plan=plan, first_name=name) for name in ("Rafi", "Mitu", "Karim")]
    bookings = [booking_create(session=yoga_tuesday, member=m) for m in people]
    return yoga_tuesday, bookings


@pytest.fixture
def as_admin(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def as_support(client, support_user):
    client.force_login(support_user)
    return client


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


# --- the session list ---------------------------------------------------------------------------


def test_the_session_list_shows_upcoming_classes_with_their_fill(as_admin, full_class, yoga, trainer, room, clock):
    # given: a class that ended this morning, and one flagged for review
    session, _ = full_class
    clock.travel(local(MONDAY, 6))
    early = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(MONDAY, 7))
    clock.travel(local(MONDAY, 9))
    session.needs_review = True
    session.save(update_fields=["needs_review"])
    # when
    upcoming = text(as_admin.get(SESSIONS))
    past = text(as_admin.get(f"{SESSIONS}?when=past"))
    that_day = text(as_admin.get(f"{SESSIONS}?starts_at__day=2&starts_at__month=3&starts_at__year=2026"))
    # then
    assert "Tue 03 Mar, 18:00–19:00" in upcoming and "Mon 02 Mar, 07:00" not in upcoming
    assert "2/2" in upcoming and "Needs review" in upcoming
    assert "Mon 02 Mar, 07:00–08:00" in past and "Tue 03 Mar" not in past
    assert "Mon 02 Mar, 07:00–08:00" in that_day and early.pk


def _sessions(n: int, *, yoga, trainer) -> list:
    room = make_room(capacity=20)
    return [
        one_off(
            class_type=yoga, instructor=trainer, room=room,
            starts_at=local(TUESDAY + datetime.timedelta(days=i % 6), 10 + i // 6),
        )
        for i in range(n)
    ]  # fmt: skip


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_the_session_list_costs_the_same_queries_for_5_or_30_classes(as_admin, yoga, trainer, plan):
    # given
    few = _sessions(5, yoga=yoga, trainer=trainer)
    booking_create(session=few[0], member=make_member(plan=plan))
    _queries(as_admin, SESSIONS)  # warm caches
    small = _queries(as_admin, SESSIONS)
    many = _sessions(25, yoga=yoga, trainer=make_trainer("Second"))
    for session in many[:5]:
        booking_create(session=session, member=make_member(plan=plan))
    # when
    big = _queries(as_admin, SESSIONS)
    # then
    assert big == small


# --- reschedule, cancel, review -------------------------------------------------------------------


def test_reschedule_asks_for_the_new_time_then_tells_each_member_once(as_admin, full_class):
    # given
    session, bookings = full_class
    action = {"action": "reschedule", ACTION_CHECKBOX_NAME: [session.pk]}
    # when: the action asks for input first
    form_page = as_admin.post(SESSIONS, action)
    response = as_admin.post(
        SESSIONS,
        {**action, "_apply": "1", "starts_at_0": "2026-03-04", "starts_at_1": "19:00", "room": "",
         "reason": "Studio A is being painted"},
        follow=True,
    )  # fmt: skip
    # then
    assert form_page.status_code == 200 and "New start" in text(form_page)
    moved = reload(session)
    assert (moved.starts_at, moved.ends_at) == (
        local(TUESDAY + datetime.timedelta(1), 19),
        local(TUESDAY + datetime.timedelta(1), 20),
    )
    assert moved.reason == "Studio A is being painted"
    notices = Message.objects.filter(template="class_rescheduled")
    assert sorted(notices.values_list("recipient", flat=True)) == sorted(b.member.user.email for b in bookings)
    assert "Class rescheduled; its members are being told." in messages_of(response)


def test_reschedule_refuses_more_than_one_class(as_admin, yoga_tuesday, yoga, trainer, room):
    other = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, 7))
    response = as_admin.post(
        SESSIONS, {"action": "reschedule", ACTION_CHECKBOX_NAME: [yoga_tuesday.pk, other.pk]}, follow=True
    )
    assert "Choose exactly one class to reschedule." in messages_of(response)
    assert reload(yoga_tuesday).starts_at == local(TUESDAY, 18)


def test_a_reschedule_into_a_clash_is_shown_and_changes_nothing(as_admin, full_class, yoga, trainer, room):
    # given: another class of the same trainer on Tuesday at 07:00
    session, _ = full_class
    one_off(class_type=yoga, instructor=trainer, room=make_room(name="Studio B"), starts_at=local(TUESDAY, 7))
    # when
    response = as_admin.post(
        f"{SESSIONS}{session.pk}/reschedule/",
        {"_apply": "1", "starts_at_0": "2026-03-03", "starts_at_1": "07:30", "room": "", "reason": "Earlier"},
    )
    # then
    assert response.status_code == 200
    assert "overlaps Yoga on Tue 03 Mar 2026, 07:00" in text(response)
    assert reload(session).starts_at == local(TUESDAY, 18)
    assert not Message.objects.filter(template="class_rescheduled").exists()


def test_cancelling_classes_tells_members_and_returns_credits(as_admin, full_class, plan, trainer, room):
    # given: a HIIT class booked with a credit
    session, bookings = full_class
    hiit = make_class_type(title="HIIT")
    other = one_off(class_type=hiit, instructor=trainer, room=room, starts_at=local(TUESDAY, 7))
    member = make_member(plan=plan, first_name="Nadia")
    credit = give_credits(member, total=1)
    booking_create(session=other, member=member)
    action = {"action": "cancel_sessions", ACTION_CHECKBOX_NAME: [session.pk, other.pk]}
    # when
    response = as_admin.post(SESSIONS, {**action, "_apply": "1", "reason": "Power cut"}, follow=True)
    # then
    assert {reload(s).status for s in (session, other)} == {"CANCELLED"}
    assert reload(credit).used == 0
    assert Message.objects.filter(template="class_cancelled").count() == 4
    assert set(Booking.objects.values_list("status", flat=True)) == {"CANCELLED"}
    assert "2 class(es) cancelled; their members are being told." in messages_of(response)


def test_cancel_from_the_session_page(as_admin, full_class):
    session, _ = full_class
    page = as_admin.get(f"{SESSIONS}{session.pk}/cancel/")
    response = as_admin.post(f"{SESSIONS}{session.pk}/cancel/", {"_apply": "1", "reason": "Snow"})
    assert page.status_code == 200 and "Cancel the class" in text(page)
    assert response.status_code == 302 and response.url == roster_url(session)
    assert reload(session).reason == "Snow"
    assert Message.objects.filter(template="class_cancelled").count() == 3
    # and a cancelled class offers no more moving or cancelling
    page = text(as_admin.get(f"{SESSIONS}{session.pk}/change/"))
    assert f"{session.pk}/roster/" in page and f"{session.pk}/reschedule/" not in page


def test_clearing_the_review_flag(as_admin, yoga, trainer, room, plan):
    # given: a booked class flagged by a schedule edit
    session = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, 18))
    booking_create(session=session, member=make_member(plan=plan))
    schedule_update(schedule=session.schedule, start_time=datetime.time(19, 0))
    assert reload(session).needs_review
    # when
    as_admin.post(SESSIONS, {"action": "clear_review", ACTION_CHECKBOX_NAME: [session.pk]})
    # then
    assert not reload(session).needs_review


def test_more_seats_on_the_session_page_promote_the_waitlist(as_admin, full_class, trainer):
    # given
    session, bookings = full_class
    # when
    response = as_admin.post(f"{SESSIONS}{session.pk}/change/", {"instructor": trainer.pk, "capacity": "3"})
    # then
    assert response.status_code == 302
    assert reload(session).capacity == 3
    assert reload(bookings[2]).status == "BOOKED"


def test_a_capacity_below_the_bookings_is_refused_on_the_form(as_admin, full_class, trainer):
    session, _ = full_class
    response = as_admin.post(f"{SESSIONS}{session.pk}/change/", {"instructor": trainer.pk, "capacity": "1"})
    assert response.status_code == 200
    assert "cannot go below that" in " ".join(response.context["adminform"].form.errors["capacity"])
    assert reload(session).capacity == 2


# --- the roster -----------------------------------------------------------------------------------


def test_the_roster_lists_seats_then_the_waitlist_with_no_shows(as_support, full_class):
    # when
    page = text(as_support.get(roster_url(full_class[0])))
    # then
    assert page.index("Mitu") < page.index("Rafi") < page.index("Karim")  # seats by name, then the waitlist
    assert "#1" in page and "2/2 booked" in page and "1 on the waitlist" in page
    assert "No-shows" in page and "Attendance can be marked once the class starts." in page


def test_support_books_a_member_in_by_code(as_support, yoga_tuesday, plan):
    # given
    member = make_member(plan=plan, first_name="Nadia")
    # when
    response = as_support.post(
        roster_url(yoga_tuesday), {"op": "book", "member_code": member.code.lower()}, follow=True
    )
    # then
    assert Booking.objects.get(session=yoga_tuesday, member=member).status == "BOOKED"
    assert f"Nadia {member.user.last_name} ({member.code}) is booked on Yoga." in messages_of(response)


def test_booking_in_an_unknown_code_or_a_refused_member_shows_why(as_support, full_class, plan):
    # given
    session, bookings = full_class
    # when
    unknown = as_support.post(roster_url(session), {"op": "book", "member_code": "M99999"})
    twice = as_support.post(roster_url(session), {"op": "book", "member_code": bookings[0].member.code})
    # then
    assert "No member has the code “M99999”." in text(unknown)
    assert "You are already booked on this class." in text(twice)
    assert Booking.objects.count() == 3


def test_support_marks_attendance_after_the_start(as_support, full_class, clock):
    # given
    session, bookings = full_class
    # when: before the class, the buttons are not offered and a post is refused
    early = as_support.post(roster_url(session), {"op": "attended", "booking": bookings[0].pk}, follow=True)
    clock.travel(local(TUESDAY, 18, 30))
    page = text(as_support.get(roster_url(session)))
    as_support.post(roster_url(session), {"op": "attended", "booking": bookings[0].pk})
    as_support.post(roster_url(session), {"op": "no_show", "booking": bookings[1].pk})
    # then
    assert "Attendance can be marked once the class starts" in messages_of(early)[0]
    assert 'value="attended"' in page and 'value="no_show"' in page
    assert [reload(b).status for b in bookings[:2]] == ["ATTENDED", "NO_SHOW"]
    assert "<strong>1</strong>" in text(as_support.get(roster_url(session)))  # Mitu's no-show count


def test_cancelling_a_booking_on_the_roster_promotes_the_waitlist(as_support, full_class):
    session, bookings = full_class
    as_support.post(roster_url(session), {"op": "cancel", "booking": bookings[0].pk})
    assert [reload(b).status for b in bookings] == ["CANCELLED", "BOOKED", "BOOKED"]
    assert Message.objects.filter(template="promoted_from_waitlist", recipient=bookings[2].member.user.email).exists()


def test_a_booking_of_another_class_is_not_found_on_the_roster(as_support, full_class, yoga, trainer, room):
    session, bookings = full_class
    other = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, 7))
    response = as_support.post(roster_url(other), {"op": "cancel", "booking": bookings[0].pk})
    assert response.status_code == 404
    assert reload(bookings[0]).status == "BOOKED"


# --- the bookings list ------------------------------------------------------------------------------


def test_cancel_bookings_from_the_list(as_support, full_class):
    # given
    session, bookings = full_class
    action = {"action": "cancel_bookings", ACTION_CHECKBOX_NAME: [bookings[1].pk]}
    # when
    response = as_support.post(BOOKINGS, {**action, "_apply": "1", "reason": "Called the desk"}, follow=True)
    # then
    assert reload(bookings[1]).status == "CANCELLED" and reload(bookings[1]).cancel_reason == "Called the desk"
    assert reload(bookings[2]).status == "BOOKED"
    assert "1 booking(s) cancelled." in messages_of(response)
    page = text(as_support.get(f"{BOOKINGS}?status__exact=CANCELLED"))
    assert bookings[1].member.code in page and bookings[0].member.code not in page
