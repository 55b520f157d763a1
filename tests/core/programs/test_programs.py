"""Workout programs and diet plans: written by the member's trainer or staff,
checked, one history row per edit naming who made it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.members.services import member_soft_delete
from core.programs.models import DietPlan, WorkoutProgram
from core.programs.selectors import client_of, program_history, programs_of, trainer_clients
from core.programs.services import diet_plan_save, workout_program_save
from fixtures.factories import MemberFactory, TrainerUserFactory

pytestmark = pytest.mark.django_db

DAYS = [{"name": "Legs", "exercises": [{"name": "Squat", "sets": 3, "reps": "8-10", "notes": "Slow down"}]}]
MEALS = [{"name": "Breakfast", "items": ["Oats", "Eggs"], "notes": ""}]


@pytest.fixture
def trainer(db):
    return TrainerUserFactory(first_name="Tanvir")


@pytest.fixture
def client_member(trainer):
    return MemberFactory(assigned_trainer=trainer)


def test_two_edits_by_the_trainer_leave_two_history_rows_naming_them(trainer, client_member):
    # when
    workout_program_save(member=client_member, by=trainer, title="Strength", days=DAYS)
    changed = [{**DAYS[0], "exercises": [{**DAYS[0]["exercises"][0], "sets": 4}]}]
    program = workout_program_save(member=client_member, by=trainer, title="Strength", days=changed)
    # then
    history = program_history(program)
    assert [h.history_type for h in history] == ["~", "+"]
    assert {h.history_user for h in history} == {trainer}
    assert history[0].days[0]["exercises"][0]["sets"] == 4 and history[1].days[0]["exercises"][0]["sets"] == 3
    assert (program.trainer, program.updated_by) == (trainer, trainer)


def test_saving_without_a_change_writes_no_history(trainer, client_member):
    workout_program_save(member=client_member, by=trainer, title="Strength", days=DAYS)
    program = workout_program_save(member=client_member, by=trainer, title=" Strength ", days=DAYS)
    assert program.history.count() == 1


def test_the_diet_plan_keeps_history_too(trainer, client_member):
    diet_plan_save(member=client_member, by=trainer, title="Lean", meals=MEALS)
    plan = diet_plan_save(member=client_member, by=trainer, title="Lean", meals=MEALS, notes="Drink water")
    assert plan.history.count() == 2
    assert [m["items"] for m in plan.meals] == [["Oats", "Eggs"]]


def test_another_trainer_cannot_write_the_program(client_member):
    # given
    other = TrainerUserFactory(first_name="Other")
    # when / then
    with pytest.raises(PermissionDenied):
        workout_program_save(member=client_member, by=other, title="Mine now", days=DAYS)
    with pytest.raises(PermissionDenied):
        diet_plan_save(member=client_member, by=other, title="Mine now", meals=MEALS)
    assert not WorkoutProgram.objects.exists() and not DietPlan.objects.exists()


def test_support_staff_need_the_permission_admins_have_it(client_member, support_user, admin_user):
    with pytest.raises(PermissionDenied):
        workout_program_save(member=client_member, by=support_user, title="Desk", days=DAYS)
    program = workout_program_save(member=client_member, by=admin_user, title="Admin", days=DAYS)
    assert program.history.get().history_user == admin_user


def test_a_member_cannot_write_their_own_program(client_member):
    with pytest.raises(PermissionDenied):
        workout_program_save(member=client_member, by=client_member.user, title="Easy", days=[])


@pytest.mark.parametrize(
    ("days", "text"),
    [
        ([{"name": "", "exercises": []}], "Day 1 needs a name"),
        ([{"name": "Legs", "exercises": [{"name": "", "sets": 3}]}], "Day 1, exercise 1 needs a name"),
        ([{"name": "Legs", "exercises": [{"name": "Squat", "sets": 99}]}], "sets must be between 1 and 20"),
        ([{"name": "Legs", "exercises": [{"name": "Squat", "sets": "lots"}]}], "sets must be a whole number"),
        ([{"name": f"D{i}", "exercises": []} for i in range(8)], "at most 7 days"),
        ("not a list", "must be a list of days"),
    ],
)
def test_a_malformed_program_is_refused_naming_the_problem(trainer, client_member, days, text):
    with pytest.raises(ValidationError) as exc:
        workout_program_save(member=client_member, by=trainer, title="Strength", days=days)
    assert any(text in message for message in exc.value.message_dict["days"])


def test_a_title_is_required(trainer, client_member):
    with pytest.raises(ValidationError) as exc:
        diet_plan_save(member=client_member, by=trainer, title="  ", meals=MEALS)
    assert "Give it a title" in exc.value.message_dict["title"][0]


def test_a_deleted_member_programs_are_frozen(trainer, client_member):
    member_soft_delete(member=client_member, reason="Left")
    with pytest.raises(ValidationError):
        workout_program_save(member=client_member, by=trainer, title="Strength", days=DAYS)


def test_a_trainer_sees_only_their_own_clients(trainer, client_member):
    # given
    other_trainer = TrainerUserFactory()
    stranger = MemberFactory(assigned_trainer=other_trainer)
    unassigned = MemberFactory()
    # then
    assert list(trainer_clients(user=trainer)) == [client_member]
    assert client_of(user=trainer, code=client_member.code) == client_member
    assert client_of(user=trainer, code=stranger.code) is None
    assert client_of(user=trainer, code=unassigned.code) is None
    assert programs_of(member=client_member) == (None, None)
