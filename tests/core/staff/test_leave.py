"""Leave: applying (past and overlapping refused), the classes it touches,
handling each one, approval refused until all are handled, the emails."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.classes.models import Booking, ClassSession
from core.notifications.models import Message
from core.staff.models import LeaveRequest
from core.staff.selectors import leave_sessions_affected, trainers_free_for
from core.staff.services.leave import (
    leave_approve,
    leave_deny,
    leave_request_create,
    leave_session_cancel,
    leave_session_reassign,
    leave_session_reschedule,
)
from tests.core.classes.builders import local, reload
from tests.core.staff.builders import booked_members, class_at, leave_for, trainer_profile
from tests.core.staff.conftest import MONDAY, TUESDAY

pytestmark = pytest.mark.django_db
WEDNESDAY = MONDAY + datetime.timedelta(days=2)


def recipients(template: str) -> list[str]:
    return sorted(Message.objects.filter(template=template).values_list("recipient", flat=True))


# --- applying -------------------------------------------------------------------------


def test_a_trainer_applies_for_leave(tanvir):
    # when
    leave = leave_for(tanvir, local(TUESDAY, 8), local(TUESDAY, 20), "Family wedding")
    # then
    assert leave.status == LeaveRequest.Status.PENDING
    assert leave.history.get().history_user == tanvir.user


@pytest.mark.parametrize(
    ("start", "end", "field", "text"),
    [
        (local(MONDAY, 8), local(MONDAY, 12), "starts_at", "starts in the past"),
        (local(TUESDAY, 12), local(TUESDAY, 8), "ends_at", "must end after it starts"),
        (local(TUESDAY, 8), local(TUESDAY, 8) + datetime.timedelta(days=120), "ends_at", "at most 90 days"),
    ],
)
def test_past_or_backwards_leave_is_refused(tanvir, start, end, field, text):
    with pytest.raises(ValidationError) as exc:
        leave_for(tanvir, start, end)
    assert text in " ".join(exc.value.message_dict[field])
    assert not LeaveRequest.objects.exists()


@pytest.mark.parametrize("decided", ["pending", "approved"])
def test_leave_overlapping_pending_or_approved_leave_is_refused(tanvir, staff, decided):
    # given
    first = leave_for(tanvir, local(TUESDAY, 8), local(TUESDAY, 20))
    if decided == "approved":
        leave_approve(leave=first, by=staff)
    # when
    with pytest.raises(ValidationError) as exc:
        leave_for(tanvir, local(TUESDAY, 18), local(WEDNESDAY, 10))
    # then
    assert f"This overlaps {decided} leave from Tue 03 Mar 2026, 08:00" in exc.value.messages[0]
    assert LeaveRequest.objects.count() == 1


def test_denied_leave_blocks_nothing_and_other_trainers_are_independent(tanvir, nusrat, staff):
    # given
    leave_deny(leave=leave_for(tanvir, local(TUESDAY, 8), local(TUESDAY, 20)), by=staff, note="Short-staffed")
    # when
    again = leave_for(tanvir, local(TUESDAY, 8), local(TUESDAY, 20))
    other = leave_for(nusrat, local(TUESDAY, 8), local(TUESDAY, 20))
    # then
    assert again.status == other.status == LeaveRequest.Status.PENDING


def test_a_trainer_cannot_apply_for_another_trainer(tanvir, nusrat):
    with pytest.raises(PermissionDenied):
        leave_request_create(
            trainer=nusrat, starts_at=local(TUESDAY, 8), ends_at=local(TUESDAY, 9), reason="x", by=tanvir.user
        )


# --- the classes a leave touches ----------------------------------------------------------------


def test_the_leave_lists_the_trainers_scheduled_classes_inside_it(tanvir, nusrat):
    # given
    inside = class_at(tanvir.user, local(TUESDAY, 10))
    edge = class_at(tanvir.user, local(TUESDAY, 19, 30))  # 19:30-20:30 overlaps the end
    class_at(tanvir.user, local(WEDNESDAY, 10))  # after the leave
    class_at(nusrat.user, local(TUESDAY, 11))  # someone else's
    leave = leave_for(tanvir, local(TUESDAY, 8), local(TUESDAY, 20))
    # then
    assert list(leave_sessions_affected(leave=leave)) == [inside, edge]


def test_only_trainers_free_at_that_time_are_offered(tanvir, nusrat):
    # given: three other trainers; one teaches then, one is on leave then
    session = class_at(tanvir.user, local(TUESDAY, 10))
    busy = trainer_profile("Busy")
    class_at(busy.user, local(TUESDAY, 10, 30))
    away = trainer_profile("Away")
    leave_for(away, local(TUESDAY, 9), local(TUESDAY, 12))
    # when
    free = trainers_free_for(session=session)
    # then
    assert free == [nusrat.user]


def test_approval_is_refused_while_a_class_is_unresolved(tanvir, staff, plan, yoga):
    # given
    session = class_at(tanvir.user, local(TUESDAY, 10), class_type=yoga)
    leave = leave_for(tanvir, local(TUESDAY, 8), local(TUESDAY, 20))
    # when
    with pytest.raises(ValidationError) as exc:
        leave_approve(leave=leave, by=staff)
    # then
    text = exc.value.messages[0]
    assert text.startswith("1 class in this leave still needs a decision: Yoga Tue 03 Mar 2026 10:00")
    assert "Reassign each to a free trainer, move it out of the leave or cancel it" in text
    assert reload(leave).status == LeaveRequest.Status.PENDING
    assert not Message.objects.filter(template__startswith="leave_").exists()
    assert reload(session).instructor == tanvir.user


def test_reassigning_to_a_busy_trainer_is_refused(tanvir, staff):
    # given
    session = class_at(tanvir.user, local(TUESDAY, 10))
    busy = trainer_profile("Busy")
    class_at(busy.user, local(TUESDAY, 10))
    leave = leave_for(tanvir, local(TUESDAY, 8), local(TUESDAY, 20))
    # when
    with pytest.raises(ValidationError) as exc:
        leave_session_reassign(leave=leave, session=session, instructor=busy.user, by=staff)
    # then
    assert "is not free at that time" in exc.value.message_dict["instructor"][0]
    assert reload(session).instructor == tanvir.user


def test_moving_a_class_to_another_time_inside_the_leave_is_refused(tanvir, staff):
    session = class_at(tanvir.user, local(TUESDAY, 10))
    leave = leave_for(tanvir, local(TUESDAY, 8), local(TUESDAY, 20))
    with pytest.raises(ValidationError) as exc:
        leave_session_reschedule(leave=leave, session=session, starts_at=local(TUESDAY, 15), reason="Leave", by=staff)
    assert "still inside the leave" in exc.value.message_dict["starts_at"][0]


def test_a_trainer_cannot_decide_leave(tanvir):
    leave = leave_for(tanvir, local(TUESDAY, 8), local(TUESDAY, 20))
    with pytest.raises(PermissionDenied):
        leave_approve(leave=leave, by=tanvir.user)


def test_support_staff_cannot_decide_leave_by_default(tanvir, support_user):
    leave = leave_for(tanvir, local(TUESDAY, 8), local(TUESDAY, 20))
    with pytest.raises(PermissionDenied):
        leave_deny(leave=leave, by=support_user, note="No")


# --- end to end ---------------------------------------------------------------------------


def test_leave_approval_end_to_end_tells_the_trainer_and_each_affected_member_once(tanvir, nusrat, staff, plan, yoga):
    # given: three classes in the leave, each with two members booked
    to_reassign = class_at(tanvir.user, local(TUESDAY, 9, 30), class_type=yoga)
    to_move = class_at(tanvir.user, local(TUESDAY, 12), class_type=yoga)
    to_cancel = class_at(tanvir.user, local(TUESDAY, 17), class_type=yoga)
    a = booked_members(to_reassign, plan, name="Ana")
    m = booked_members(to_move, plan, name="Moe")
    c = booked_members(to_cancel, plan, name="Cat")
    leave = leave_for(tanvir, local(TUESDAY, 9), local(TUESDAY, 20), "Wedding")
    # when: each class is handled (and a repeated call changes nothing)
    leave_session_reassign(leave=leave, session=to_reassign, instructor=nusrat.user, by=staff)
    with pytest.raises(ValidationError):
        leave_session_reassign(leave=leave, session=to_reassign, instructor=nusrat.user, by=staff)
    leave_session_reschedule(
        leave=leave, session=to_move, starts_at=local(WEDNESDAY, 12), reason="The instructor is on leave.", by=staff
    )
    leave_session_cancel(leave=leave, session=to_cancel, reason="The instructor is on leave.", by=staff)
    approved = leave_approve(leave=leave, by=staff, note="Enjoy the wedding")
    # then: the leave is approved, no class is left in it
    assert approved.status == LeaveRequest.Status.APPROVED
    assert (approved.decided_by, approved.decision_note) == (staff, "Enjoy the wedding")
    assert list(leave_sessions_affected(leave=approved)) == []
    assert reload(to_reassign).instructor == nusrat.user
    assert reload(to_move).starts_at == local(WEDNESDAY, 12)
    assert reload(to_cancel).status == ClassSession.Status.CANCELLED
    assert set(Booking.objects.filter(session=to_cancel).values_list("status", flat=True)) == {"CANCELLED"}
    # and each member of a changed class got exactly one message about it, the trainer one decision
    assert recipients("class_instructor_changed") == sorted(x.user.email for x in a)
    assert recipients("class_rescheduled") == sorted(x.user.email for x in m)
    assert recipients("class_cancelled") == sorted(x.user.email for x in c)
    assert recipients("leave_approved") == [tanvir.user.email]
    decision = Message.objects.get(template="leave_approved")
    assert decision.context["note"] == "Enjoy the wedding"
    assert len(decision.context["handled"]) == 3
    assert any("taught by Nusrat" in line for line in decision.context["handled"])
    # when: approving again
    with pytest.raises(ValidationError) as exc:
        leave_approve(leave=leave, by=staff)
    # then: refused, and nobody hears twice
    assert "already approved" in exc.value.messages[0]
    assert Message.objects.filter(template="leave_approved").count() == 1


def test_denying_needs_a_note_tells_the_trainer_and_leaves_classes_alone(tanvir, staff, plan, yoga):
    # given
    session = class_at(tanvir.user, local(TUESDAY, 10), class_type=yoga)
    booked_members(session, plan)
    leave = leave_for(tanvir, local(TUESDAY, 8), local(TUESDAY, 20))
    # when
    with pytest.raises(ValidationError) as exc:
        leave_deny(leave=leave, by=staff, note="  ")
    denied = leave_deny(leave=leave, by=staff, note="We are short-staffed that day")
    # then
    assert "Say why" in exc.value.message_dict["note"][0]
    assert denied.status == LeaveRequest.Status.DENIED
    assert recipients("leave_denied") == [tanvir.user.email]
    assert Message.objects.get(template="leave_denied").context["note"] == "We are short-staffed that day"
    assert reload(session).instructor == tanvir.user
    assert not Message.objects.filter(template__startswith="class_").exclude(template="class_booked").exists()
    with pytest.raises(ValidationError):
        leave_session_cancel(leave=denied, session=session, reason="x", by=staff)
