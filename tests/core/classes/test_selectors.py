"""Selectors for the portal and admin: counts in a fixed number of queries."""

import datetime

import pytest

from core.classes.selectors import (
    booking_outlook,
    member_bookings,
    member_credits_left,
    member_live_bookings,
    session_roster,
    sessions_for_week,
)
from core.classes.services.attendance import attendance_mark
from core.classes.services.bookings import booking_create
from tests.core.classes.builders import give_credits, local, make_member, make_room, make_trainer, one_off
from tests.core.classes.conftest import MONDAY, TUESDAY

pytestmark = pytest.mark.django_db


def test_week_schedule_counts_and_filters_in_two_queries(yoga, hiit, trainer, room, plan, django_assert_num_queries):
    # given: yoga (2 seats, full, one waiting) and HIIT by another trainer in another room, plus next week's yoga
    nusrat = make_trainer("Nusrat")
    full = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, 18), capacity=2)
    hiit_session = one_off(
        class_type=hiit, instructor=nusrat, room=make_room(name="Studio B"), starts_at=local(TUESDAY, 7)
    )
    one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(MONDAY, 18) + datetime.timedelta(days=7))
    for _ in range(3):
        booking_create(session=full, member=make_member(plan=plan))
    # when
    with django_assert_num_queries(2):
        week = list(sessions_for_week(week_of=MONDAY + datetime.timedelta(days=4)))
        tags = {s.pk: sorted(t.name for t in s.class_type.tags.all()) for s in week}
    # then: this week only, in time order, with fill and tags
    assert [s.pk for s in week] == [hiit_session.pk, full.pk]
    assert [(s.booked_count, s.waitlist_count, s.spots_left) for s in week] == [(0, 0, 20), (2, 1, 0)]
    assert tags[hiit_session.pk] == ["cardio", "strength"]
    assert [s.pk for s in sessions_for_week(week_of=MONDAY, tag="CARDIO")] == [hiit_session.pk]
    assert [s.pk for s in sessions_for_week(week_of=MONDAY, instructor=trainer)] == [full.pk]
    counted = sessions_for_week(week_of=MONDAY, tag="mind-body").get()
    assert (counted.booked_count, counted.waitlist_count) == (2, 1)


def test_the_week_query_count_does_not_grow_with_sessions(yoga, trainer, room, django_assert_num_queries):
    # given: a class every day of the week
    for day in range(7):
        one_off(
            class_type=yoga, instructor=trainer, room=room, starts_at=local(MONDAY, 20) + datetime.timedelta(days=day)
        )
    # when / then
    with django_assert_num_queries(2):
        week = list(sessions_for_week(week_of=MONDAY))
        [list(s.class_type.tags.all()) for s in week]
    assert len(week) == 7


def test_member_bookings_upcoming_and_past_with_waitlist_place(yoga, trainer, room, member, plan, clock):
    # given: a past attended class, a booked one and a waitlist place behind someone
    early = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, 7))
    booked = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, 12))
    full = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, 18), capacity=1)
    booking_create(session=early, member=member)
    booking_create(session=booked, member=member)
    booking_create(session=full, member=make_member(plan=plan))
    booking_create(session=full, member=make_member(plan=plan))
    booking_create(session=full, member=member)
    clock.travel(local(TUESDAY, 9))
    attendance_mark(booking=early.bookings.get(), status="ATTENDED", by=None)
    # when
    upcoming = list(member_bookings(member=member))
    past = list(member_bookings(member=member, upcoming=False))
    live = member_live_bookings(member=member, sessions=[early, booked, full])
    # then
    assert [(b.session_id, b.status, b.waitlist_place) for b in upcoming] == [
        (booked.pk, "BOOKED", None),
        (full.pk, "WAITLISTED", 2),
    ]
    assert [(b.session_id, b.status) for b in past] == [(early.pk, "ATTENDED")]
    assert live[full.pk].waitlist_place == 2 and set(live) == {early.pk, booked.pk, full.pk}


def test_credits_left_counts_valid_unused_credits(member):
    # given
    give_credits(member, total=5, used=2)
    give_credits(member, total=3, used=3)
    give_credits(member, total=4, expires_on=MONDAY - datetime.timedelta(days=1))
    # when / then
    assert member_credits_left(member=member) == 3


def test_roster_lists_seats_then_the_waitlist_with_no_shows(yoga, trainer, room, plan, clock):
    # given: Zed missed a class before; a two-seat class with Zed, Ann booked and Bob waiting
    zed, ann, bob = (make_member(plan=plan, first_name=n) for n in ("Zed", "Ann", "Bob"))
    earlier = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(MONDAY, 12))
    missed = booking_create(session=earlier, member=zed)
    session = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, 18), capacity=2)
    for person in (zed, ann, bob):
        booking_create(session=session, member=person)
    clock.travel(local(MONDAY, 14))
    attendance_mark(booking=missed, status="NO_SHOW", by=None)
    # when
    roster = list(session_roster(session=session))
    # then
    assert [(b.member.user.first_name, b.status, b.waitlist_place, b.no_show_count) for b in roster] == [
        ("Ann", "BOOKED", None, 0),
        ("Zed", "BOOKED", None, 1),
        ("Bob", "WAITLISTED", 1, 0),
    ]


def test_booking_outlook_tells_the_portal_what_to_offer(yoga, hiit, trainer, room, member, plan, clock):
    # given
    seat = one_off(class_type=yoga, instructor=trainer, room=room, starts_at=local(TUESDAY, 18), capacity=1)
    paid = one_off(class_type=hiit, instructor=trainer, room=room, starts_at=local(TUESDAY, 7))
    # when / then: a free seat, included in the plan
    outlook = booking_outlook(session=seat, member=member)
    assert (outlook.action, outlook.message, outlook.spots_left) == ("book", "Included in your plan.", 1)
    # no credit for HIIT: the reason is shown
    outlook = booking_outlook(session=paid, member=member)
    assert outlook.action == "none" and "buy a class pack" in outlook.message
    give_credits(member, total=1)
    assert booking_outlook(session=paid, member=member).message == "Uses one class credit."
    # full: waitlist; then on the waitlist
    booking_create(session=seat, member=make_member(plan=plan))
    assert booking_outlook(session=seat, member=member).action == "waitlist"
    booking_create(session=seat, member=member)
    outlook = booking_outlook(session=seat, member=member)
    assert (outlook.action, outlook.place) == ("leave_waitlist", 1)
    # booked with a credit, after the cutoff: the late cancel is spelled out
    booking_create(session=paid, member=member)
    clock.travel(local(MONDAY, 20))
    outlook = booking_outlook(session=paid, member=member)
    assert outlook.action == "cancel"
    assert outlook.message == "You are booked. Cancelling now is a late cancel: the class credit is not given back."
