"""Schedules: materialising sessions, idempotency, edits, clashes, capacity."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from core.classes.models import Booking, ClassSchedule, ClassSession
from core.classes.services.bookings import booking_cancel, booking_create
from core.classes.services.schedules import schedule_create, schedule_update
from core.classes.services.sessions import sessions_materialise
from tests.core.classes.builders import local, make_member, make_room, make_trainer, one_off
from tests.core.classes.conftest import MONDAY, TUESDAY

pytestmark = pytest.mark.django_db
MWF = "FREQ=WEEKLY;BYDAY=MO,WE,FR"


def weekly(yoga, trainer, room, *, rule=MWF, start=datetime.time(18, 0), **kwargs) -> ClassSchedule:
    return schedule_create(
        class_type=yoga, instructor=trainer, room=room, starts_on=MONDAY, start_time=start, recurrence=rule, **kwargs
    )


def local_starts(schedule) -> list[str]:
    return [
        f"{s.starts_at.astimezone(zoneinfo.ZoneInfo('Asia/Dhaka')):%a %d %H:%M}"
        for s in schedule.sessions.order_by("starts_at")
    ]


def test_a_recurring_schedule_materialises_the_horizon_with_its_policy(yoga, trainer, room, settings):
    # given: 4 weeks ahead, now Monday 09:00
    settings.CLASS_MATERIALISE_WEEKS = 4
    # when
    schedule = weekly(yoga, trainer, room, capacity=12, booking_opens_days=3, cancel_cutoff_hours=6, weekly_limit=2)
    # then: Mon/Wed/Fri for four weeks, starting with tonight's class
    sessions = list(schedule.sessions.order_by("starts_at"))
    assert len(sessions) == 12
    assert local_starts(schedule)[:4] == ["Mon 02 18:00", "Wed 04 18:00", "Fri 06 18:00", "Mon 09 18:00"]
    first = sessions[0]
    assert (first.capacity, first.booking_opens_days, first.cancel_cutoff_hours, first.weekly_limit) == (12, 3, 6, 2)
    assert first.ends_at - first.starts_at == datetime.timedelta(minutes=60)
    assert first.occurrence == first.starts_at


def test_materialising_twice_creates_nothing_new_and_a_week_later_adds_a_week(yoga, trainer, room, clock, settings):
    # given
    settings.CLASS_MATERIALISE_WEEKS = 4
    weekly(yoga, trainer, room)
    before = set(ClassSession.objects.values_list("pk", "starts_at"))
    # when
    first_run = sessions_materialise()
    second_run = sessions_materialise()
    # then
    assert (first_run, second_run) == (0, 0)
    assert set(ClassSession.objects.values_list("pk", "starts_at")) == before
    # when: a week passes
    clock.advance(days=7)
    added = sessions_materialise()
    # then: the fifth week's three classes, once
    assert added == 3
    assert sessions_materialise() == 0
    assert ClassSession.objects.count() == 15


def test_a_deactivated_instructors_new_classes_are_made_but_flagged_for_review(yoga, trainer, room, clock, settings):
    # given: a schedule whose trainer has left
    settings.CLASS_MATERIALISE_WEEKS = 4
    weekly(yoga, trainer, room)
    trainer.is_active = False
    trainer.save(update_fields=["is_active"])
    # when: a week passes and the nightly job materialises the next week
    clock.advance(days=7)
    added = sessions_materialise()
    # then: the members' classes still exist, each waiting for a new instructor
    assert added == 3
    newest = ClassSession.objects.order_by("-starts_at")[:3]
    assert all(s.needs_review for s in newest)
    assert all("can no longer teach" in s.review_note for s in newest)


def test_materialised_sessions_keep_local_time_across_dst(yoga, trainer, room, clock, settings):
    # given: a London gym the week before the clocks go forward (Sunday 29 March 2026)
    settings.TIME_ZONE = "Europe/London"
    london = zoneinfo.ZoneInfo("Europe/London")
    clock.travel(datetime.datetime(2026, 3, 23, 9, 0, tzinfo=london))
    # when
    schedule = schedule_create(
        class_type=yoga, instructor=trainer, room=room, starts_on=datetime.date(2026, 3, 23),
        start_time=datetime.time(18, 0), recurrence="FREQ=WEEKLY;BYDAY=MO",
    )  # fmt: skip
    # then
    starts = list(schedule.sessions.order_by("starts_at").values_list("starts_at", flat=True))
    assert [s.astimezone(london).strftime("%d %b %H:%M") for s in starts] == [
        "23 Mar 18:00", "30 Mar 18:00", "06 Apr 18:00", "13 Apr 18:00",
    ]  # fmt: skip
    assert [s.astimezone(datetime.UTC).hour for s in starts] == [18, 17, 17, 17]
    assert sessions_materialise() == 0


def test_capacity_over_the_room_is_refused(yoga, trainer):
    # given
    small = make_room(name="Small studio", capacity=8)
    # when
    with pytest.raises(ValidationError) as caught:
        weekly(yoga, trainer, small, capacity=9)
    # then
    assert caught.value.message_dict["capacity"] == [
        "Small studio holds 8 people; the capacity cannot be more than that (it is 9)."
    ]
    assert not ClassSchedule.objects.exists() and not ClassSession.objects.exists()


def test_an_invalid_rule_is_refused_and_nothing_is_saved(yoga, trainer, room):
    # when
    with pytest.raises(ValidationError) as caught:
        weekly(yoga, trainer, room, rule="FREQ=WEEKLY;BYDAY=MONDAY")
    # then
    assert "is not a repeat rule we can use" in caught.value.message_dict["recurrence"][0]
    assert not ClassSchedule.objects.exists() and not ClassSession.objects.exists()


def test_the_instructor_must_be_a_trainer(yoga, room, member):
    # when
    with pytest.raises(ValidationError) as caught:
        weekly(yoga, member.user, room)
    # then
    assert caught.value.message_dict == {
        "instructor": [f"{member.user} is not an active trainer; choose a trainer to teach."]
    }


def test_a_schedule_with_no_classes_left_is_refused(yoga, trainer, room):
    # when: a one-off class last Friday
    with pytest.raises(ValidationError) as caught:
        schedule_create(
            class_type=yoga, instructor=trainer, room=room, starts_on=MONDAY - datetime.timedelta(days=3),
            start_time=datetime.time(18, 0),
        )  # fmt: skip
    # then
    assert caught.value.messages == [
        "This schedule has no classes after now; check the first date and the repeat rule."
    ]


def test_overlap_in_the_same_room_is_refused_naming_the_session(yoga, hiit, trainer, room):
    # given: Yoga Mon/Wed/Fri 18:00-19:00 in Studio A
    weekly(yoga, trainer, room)
    other_trainer = make_trainer("Nusrat")
    # when: HIIT on Wednesdays at 18:30 in the same room
    with pytest.raises(ValidationError) as caught:
        weekly(hiit, other_trainer, room, rule="FREQ=WEEKLY;BYDAY=WE", start=datetime.time(18, 30))
    # then
    message = caught.value.messages[0]
    assert message.startswith("The class on Wed 04 Mar 2026, 18:30 overlaps Yoga on Wed 04 Mar 2026, 18:00–19:00 ")
    assert "in Studio A with Tanvir" in message and "(the same room)" in message
    assert ClassSchedule.objects.count() == 1


def test_overlap_for_the_same_instructor_is_refused_and_back_to_back_is_fine(yoga, hiit, trainer, room):
    # given
    weekly(yoga, trainer, room)
    other_room = make_room(name="Studio B")
    # when: the same trainer at 18:45 elsewhere
    with pytest.raises(ValidationError) as caught:
        weekly(hiit, trainer, other_room, rule="FREQ=WEEKLY;BYDAY=FR", start=datetime.time(18, 45))
    # then
    assert "overlaps Yoga on Fri 06 Mar 2026, 18:00–19:00 in Studio A" in caught.value.messages[0]
    assert "(the same instructor)" in caught.value.messages[0]
    # when: straight after the class ends
    weekly(hiit, trainer, room, rule="FREQ=WEEKLY;BYDAY=FR", start=datetime.time(19, 0))
    # then
    assert ClassSchedule.objects.count() == 2


def test_editing_moves_unbooked_sessions_and_flags_booked_ones(yoga, trainer, room, member):
    # given: Tuesday/Thursday 18:00 yoga; the member books this Thursday
    schedule = weekly(yoga, trainer, room, rule="FREQ=WEEKLY;BYDAY=TU,TH")
    thursday = schedule.sessions.get(starts_at=local(MONDAY + datetime.timedelta(days=3), 18))
    booking_create(session=thursday, member=member)
    count = schedule.sessions.count()
    # when: the class moves to 19:00 with a smaller capacity
    schedule_update(schedule=schedule, start_time=datetime.time(19, 0), capacity=15)
    # then: unbooked sessions moved; the booked one kept its time and is flagged; no duplicate
    sessions = {s.pk: s for s in schedule.sessions.all()}
    assert len(sessions) == count
    kept = sessions.pop(thursday.pk)
    assert (kept.starts_at, kept.capacity, kept.needs_review) == (thursday.starts_at, 20, True)
    assert "it now says Thu 05 Mar 2026, 19:00" in kept.review_note
    assert all(timezone_hour(s) == 19 and s.capacity == 15 and not s.needs_review for s in sessions.values())
    assert sessions_materialise() == 0


def timezone_hour(session) -> int:
    return session.starts_at.astimezone(zoneinfo.ZoneInfo("Asia/Dhaka")).hour


def test_editing_the_days_removes_unbooked_sessions_and_flags_booked_ones(yoga, trainer, room, member):
    # given: Mon/Wed/Fri; the member books this Friday, and someone booked and cancelled next Friday
    schedule = weekly(yoga, trainer, room, booking_opens_days=14)
    fridays = list(schedule.sessions.filter(starts_at__week_day=6).order_by("starts_at"))
    booking_create(session=fridays[0], member=member)
    other = make_member(plan=member.memberships.get().plan)
    booking_cancel(booking=booking_create(session=fridays[1], member=other), by=None)
    # when: Fridays are dropped
    schedule_update(schedule=schedule, recurrence="FREQ=WEEKLY;BYDAY=MO,WE")
    # then
    flagged, cancelled = ClassSession.objects.get(pk=fridays[0].pk), ClassSession.objects.get(pk=fridays[1].pk)
    assert flagged.status == "SCHEDULED" and flagged.needs_review
    assert "no longer on the schedule" in flagged.review_note
    assert (cancelled.status, cancelled.reason) == ("CANCELLED", "No longer on the schedule")
    assert not ClassSession.objects.filter(pk__in=[f.pk for f in fridays[2:]]).exists()
    assert Booking.objects.get(session=fridays[0]).status == "BOOKED"
    assert sessions_materialise() == 0


def test_an_edit_that_would_clash_is_refused_and_changes_nothing(yoga, hiit, trainer, room):
    # given
    schedule = weekly(yoga, trainer, room)
    weekly(hiit, make_trainer("Nusrat"), room, rule="FREQ=WEEKLY;BYDAY=TU")
    before = list(ClassSession.objects.order_by("pk").values_list("pk", "starts_at"))
    # when: yoga moves to Tuesdays
    with pytest.raises(ValidationError) as caught:
        schedule_update(schedule=schedule, recurrence="FREQ=WEEKLY;BYDAY=TU")
    # then
    assert "overlaps HIIT on Tue 03 Mar 2026, 18:00–19:00" in caught.value.messages[0]
    assert list(ClassSession.objects.order_by("pk").values_list("pk", "starts_at")) == before
    assert ClassSchedule.objects.get(pk=schedule.pk).recurrence == MWF


def test_deactivating_removes_unbooked_future_sessions(yoga, trainer, room, member):
    # given
    schedule = weekly(yoga, trainer, room)
    booked = schedule.sessions.order_by("starts_at")[1]
    booking_create(session=booked, member=member)
    # when
    schedule_update(schedule=schedule, is_active=False)
    # then
    assert list(schedule.sessions.values_list("pk", flat=True)) == [booked.pk]
    assert ClassSession.objects.get(pk=booked.pk).needs_review
    assert sessions_materialise() == 0


def test_session_keys_are_unique_per_schedule_and_occurrence(session):
    # given
    from django.db import IntegrityError, transaction

    # when / then: the database refuses a second session for the same occurrence
    with pytest.raises(IntegrityError), transaction.atomic():
        ClassSession.objects.create(
            schedule=session.schedule, occurrence=session.occurrence, class_type=session.class_type,
            starts_at=session.starts_at, ends_at=session.ends_at, room=session.room,
            instructor=session.instructor, capacity=5,
        )  # fmt: skip
    assert session.starts_at == local(TUESDAY, 18)


def test_a_class_beyond_the_horizon_is_checked_against_what_schedules_will_make(yoga, hiit, trainer, room, settings):
    # given: weekly yoga, materialised one week ahead only
    settings.CLASS_MATERIALISE_WEEKS = 1
    weekly(yoga, trainer, room, rule="FREQ=WEEKLY;BYDAY=MO")
    # when: a one-off HIIT in the same room in two weeks, when yoga has no session yet
    with pytest.raises(ValidationError) as caught:
        one_off(
            class_type=hiit,
            instructor=make_trainer("Nusrat"),
            room=room,
            starts_at=local(MONDAY, 18, 30) + datetime.timedelta(days=14),
        )
    # then
    assert "overlaps Yoga on Mon 16 Mar 2026, 18:00–19:00 in Studio A" in caught.value.messages[0]


def test_a_far_off_one_off_class_is_made_at_once(yoga, trainer, room, settings):
    # given
    settings.CLASS_MATERIALISE_WEEKS = 2
    # when: a workshop in six weeks
    session = one_off(
        class_type=yoga, instructor=trainer, room=room, starts_at=local(MONDAY, 10) + datetime.timedelta(weeks=6)
    )
    # then
    assert session.starts_at == local(MONDAY + datetime.timedelta(weeks=6), 10)


def test_a_clash_found_when_the_horizon_moves_is_flagged_naming_the_other_class(yoga, hiit, trainer, room, settings):
    # given: yoga on the 1st of each month and HIIT every Monday, both 18:00 in Studio A;
    # the 1st falls on a Monday only in June, beyond the one week checked when they were made
    settings.CLASS_MATERIALISE_WEEKS = 1
    weekly(yoga, trainer, room, rule="FREQ=MONTHLY;BYMONTHDAY=1")
    weekly(hiit, make_trainer("Nusrat"), room, rule="FREQ=WEEKLY;BYDAY=MO")
    settings.CLASS_MATERIALISE_WEEKS = 14
    # when
    sessions_materialise()
    # then: the class is made (the schedule promised it) but flagged for staff, naming the clash
    june = local(datetime.date(2026, 6, 1), 18)
    flagged = ClassSession.objects.get(class_type=hiit, starts_at=june)
    assert flagged.needs_review
    assert flagged.review_note.startswith("Overlaps Yoga on Mon 01 Jun 2026, 18:00–19:00 in Studio A with Tanvir")
    assert flagged.review_note.endswith("(the same room).")
    assert list(ClassSession.objects.filter(needs_review=True)) == [flagged]
