"""seed_staff (through seed_demo): trainer profiles with certificates, one
expiring soon; clients with programs; a pending leave touching two classes;
a second run adds nothing."""

import pytest

from core.programs.models import DietPlan, WorkoutProgram
from core.staff.models import Certification, LeaveRequest, Trainer
from core.staff.selectors import certifications_expiring, leave_sessions_affected
from fixtures.demo import seed_demo
from fixtures.demo_staff import LEAVE_REASON, TRAINER_1, seed_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    """The demo runs on the real clock (it places classes and leave around today)."""


def test_the_demo_has_trainers_certificates_programs_and_a_pending_leave_once():
    # when
    seed_demo()
    second = seed_staff()
    # then
    assert second == {"profiles": 0, "certifications": 0, "programs": 0, "leave": 0}
    assert Trainer.objects.exclude(bio="").count() == 2
    assert Trainer.objects.filter(hourly_rate__isnull=False).count() == 2
    assert Certification.objects.exclude(file="").count() == 4
    assert [c.title for c in certifications_expiring(days=30)] == ["ACE Personal Trainer"]
    leave = LeaveRequest.objects.get(reason=LEAVE_REASON)
    assert leave.status == LeaveRequest.Status.PENDING and leave.trainer.user.email == TRAINER_1
    assert len(leave_sessions_affected(leave=leave)) == 2
    workout = WorkoutProgram.objects.select_related("member").first()
    assert WorkoutProgram.objects.count() == 3 and DietPlan.objects.count() == 2
    assert workout.history.get().history_user == workout.member.assigned_trainer
