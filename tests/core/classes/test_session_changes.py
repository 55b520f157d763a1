"""Rescheduling and cancelling a class: reasons, clashes, credits, and one
message per member per change."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.classes.models import ClassSession
from core.classes.services.bookings import booking_create
from core.classes.services.schedules import schedule_create
from core.classes.services.sessions import (
    session_assign_instructor,
    session_cancel,
    session_reschedule,
    session_review_clear,
    sessions_materialise,
)
from core.notifications.models import Message
from tests.core.classes.builders import give_credits, local, make_member, make_room, make_trainer, one_off, reload
from tests.core.classes.conftest import MONDAY, TUESDAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_house(hiit, trainer, room, plan):
    """HIIT Tuesday 18:00 with two seats: two members booked (with credits), two waiting."""
    session = one_off(class_type=hiit, instructor=trainer, room=room, starts_at=local(TUESDAY, 18), capacity=2)
    members = [make_member(plan=plan, first_name=f"M{i}") for i in range(4)]
    credits = [give_credits(m, total=1) for m in members]
    bookings = [booking_create(session=session, member=m) for m in members]
    return session, members, credits, bookings


def change_messages(template: str) -> list[str]:
    return sorted(Message.objects.filter(template=template).values_list("recipient", flat=True))


def test_rescheduling_tells_every_booked_and_waitlisted_member_once(full_house, staff):
    # given
    session, members, _credits, bookings = full_house
    emails = sorted(m.user.email for m in members)
    # when
    session_reschedule(session=session, starts_at=local(TUESDAY, 19), reason="Floor repair", by=staff)
    session_reschedule(session=session, starts_at=local(TUESDAY, 19), reason="Floor repair", by=staff)
    # then: one message each; bookings and waitlist untouched
    assert change_messages("class_rescheduled") == emails
    moved = reload(session)
    assert (moved.change_count, moved.reason, moved.starts_at) == (1, "Floor repair", local(TUESDAY, 19))
    assert moved.ends_at == local(TUESDAY, 20)
    assert [reload(b).status for b in bookings] == ["BOOKED", "BOOKED", "WAITLISTED", "WAITLISTED"]
    message = Message.objects.filter(template="class_rescheduled").first()
    assert (
        message.context["old_when"] == "Tue 03 Mar 2026, 18:00" and message.context["when"] == "Tue 03 Mar 2026, 19:00"
    )
    # when: a second, different move
    session_reschedule(session=session, starts_at=local(TUESDAY, 20), reason="Still repairing", by=staff)
    # then: one more message each
    assert change_messages("class_rescheduled") == sorted(emails * 2)


def test_a_reason_is_required(session, staff):
    # when / then
    with pytest.raises(ValidationError) as caught:
        session_reschedule(session=session, starts_at=local(TUESDAY, 19), reason="  ", by=staff)
    assert "Give a reason" in caught.value.message_dict["reason"][0]
    with pytest.raises(ValidationError):
        session_cancel(session=session, reason="", by=staff)
    assert reload(session).starts_at == local(TUESDAY, 18) and reload(session).status == "SCHEDULED"


def test_rescheduling_onto_another_class_is_refused_naming_it(session, hiit, staff, room):
    # given: HIIT at 19:30 in the same room with another trainer
    one_off(class_type=hiit, instructor=make_trainer("Nusrat"), room=room, starts_at=local(TUESDAY, 19, 30))
    # when
    with pytest.raises(ValidationError) as caught:
        session_reschedule(session=session, starts_at=local(TUESDAY, 19), reason="Later", by=staff)
    # then
    assert "overlaps HIIT on Tue 03 Mar 2026, 19:30–20:30 in Studio A with Nusrat" in caught.value.messages[0]
    assert reload(session).starts_at == local(TUESDAY, 18)


def test_rescheduling_into_a_room_too_small_is_refused(session, staff):
    # given
    small = make_room(name="Small studio", capacity=6)
    # when / then
    with pytest.raises(ValidationError) as caught:
        session_reschedule(session=session, starts_at=session.starts_at, room=small, reason="Bigger group", by=staff)
    assert caught.value.message_dict["room"] == [
        "Small studio holds 6 people but the class takes 10; choose a bigger room."
    ]


def test_only_staff_or_the_instructor_change_a_class(session, trainer, member):
    # given
    other_trainer = make_trainer("Nusrat")
    # when / then
    with pytest.raises(PermissionDenied):
        session_reschedule(session=session, starts_at=local(TUESDAY, 19), reason="Mine now", by=other_trainer)
    with pytest.raises(PermissionDenied):
        session_cancel(session=session, reason="No", by=member.user)
    session_reschedule(session=session, starts_at=local(TUESDAY, 19), reason="Traffic", by=trainer)
    assert reload(session).changed_by == trainer


def test_cancelling_returns_credits_and_tells_each_member_once(full_house, staff):
    # given
    session, members, credits, bookings = full_house
    # when
    session_cancel(session=session, reason="Instructor ill", by=staff)
    with pytest.raises(ValidationError, match="already cancelled"):
        session_cancel(session=session, reason="Instructor ill", by=staff)
    # then
    assert change_messages("class_cancelled") == sorted(m.user.email for m in members)
    assert [reload(c).used for c in credits] == [0, 0, 0, 0]
    statuses = [(b.status, b.credit_returned, b.cancel_reason) for b in map(reload, bookings)]
    assert (
        statuses
        == [("CANCELLED", True, "Class cancelled: Instructor ill")] * 2
        + [("CANCELLED", False, "Class cancelled: Instructor ill")] * 2
    )
    context = Message.objects.get(template="class_cancelled", recipient=members[0].user.email).context
    assert (context["reason"], context["credit_returned"], context["waitlisted"]) == ("Instructor ill", True, False)


def test_materialising_never_recreates_a_cancelled_or_moved_session(yoga, trainer, room, staff):
    # given
    schedule = schedule_create(
        class_type=yoga, instructor=trainer, room=room, starts_on=MONDAY, start_time=datetime.time(18, 0),
        recurrence="FREQ=WEEKLY;BYDAY=TU,TH",
    )  # fmt: skip
    tuesday, thursday = schedule.sessions.order_by("starts_at")[:2]
    session_cancel(session=tuesday, reason="Holiday", by=staff)
    session_reschedule(
        session=thursday, starts_at=local(MONDAY, 20) + datetime.timedelta(days=3), reason="Hall", by=staff
    )
    count = ClassSession.objects.count()
    # when
    created = sessions_materialise()
    # then
    assert created == 0 and ClassSession.objects.count() == count


def test_another_trainer_can_take_the_class_unless_busy(session, staff, hiit, room):
    # given
    cover = make_trainer("Nusrat")
    busy = make_trainer("Karim")
    one_off(class_type=hiit, instructor=busy, room=make_room(name="Studio B"), starts_at=local(TUESDAY, 17, 30))
    # when / then
    with pytest.raises(ValidationError, match="the same instructor"):
        session_assign_instructor(session=session, instructor=busy, by=staff)
    assert session_assign_instructor(session=session, instructor=cover, by=staff).instructor == cover


def test_clearing_a_review_flag(session, staff):
    # given
    ClassSession.objects.filter(pk=session.pk).update(needs_review=True, review_note="Schedule changed")
    # when
    cleared = session_review_clear(session=session, by=staff)
    # then
    assert (cleared.needs_review, cleared.review_note) == (False, "")
