"""Class sessions in the admin: the calendar-like list, and rescheduling, cancelling, review and capacity."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from core.classes.models import Booking
from core.classes.services.bookings import booking_create
from core.classes.services.schedules import schedule_update
from core.notifications.models import Message
from tests.admin_site.classes_support import SESSIONS, roster_url
from tests.core.classes.builders import (
    give_credits,
    local,
    make_class_type,
    make_member,
    make_room,
    make_trainer,
    one_off,
    reload,
)
from tests.support.classes import MONDAY, TUESDAY
from tests.support.responses import get_queries, messages_of, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


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


def test_the_session_list_costs_the_same_queries_for_5_or_30_classes(as_admin, yoga, trainer, plan):
    # given
    few = _sessions(5, yoga=yoga, trainer=trainer)
    booking_create(session=few[0], member=make_member(plan=plan))
    get_queries(as_admin, SESSIONS)  # warm caches
    small = get_queries(as_admin, SESSIONS)
    many = _sessions(25, yoga=yoga, trainer=make_trainer("Second"))
    for session in many[:5]:
        booking_create(session=session, member=make_member(plan=plan))
    # when
    big = get_queries(as_admin, SESSIONS)
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
