"""A trainer's clients: the members assigned to them, one client's page, and
the forms that edit the client's workout program and diet plan.

A client is looked up only among the trainer's own (another trainer's client
is a 404); the program services check again and keep one history row per
save. The forms need no JavaScript: each page shows the days (or meals) there
are plus an empty one to add, and each day a few empty exercise rows.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core.members.models import Member
from core.memberships.selectors import membership_snapshot
from core.programs.selectors import client_of, program_history, programs_of, trainer_clients
from core.programs.services import diet_plan_save, workout_program_save
from core.programs.structure import (
    ITEM_MAX,
    MAX_DAYS,
    MAX_EXERCISES,
    MAX_MEALS,
    MAX_SETS,
    NAME_MAX,
    NOTES_MAX,
    REPS_MAX,
)
from portal.trainer import trainer_only

BLANK_EXERCISES = 3


class HeaderForm(forms.Form):
    title = forms.CharField(max_length=120)
    notes = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class DayForm(forms.Form):
    name = forms.CharField(label="Day", max_length=NAME_MAX, required=False)


class ExerciseForm(forms.Form):
    name = forms.CharField(label="Exercise", max_length=NAME_MAX, required=False)
    sets = forms.IntegerField(min_value=1, max_value=MAX_SETS, required=False)
    reps = forms.CharField(max_length=REPS_MAX, required=False)
    notes = forms.CharField(max_length=NOTES_MAX, required=False)


class MealForm(forms.Form):
    name = forms.CharField(label="Meal", max_length=NAME_MAX, required=False)
    items = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"One item per line (up to {ITEM_MAX} characters).",
    )
    notes = forms.CharField(max_length=NOTES_MAX, required=False)


ExerciseFormSet = formset_factory(ExerciseForm, extra=0, max_num=MAX_EXERCISES, absolute_max=MAX_EXERCISES)
MealFormSet = formset_factory(MealForm, extra=0, max_num=MAX_MEALS, absolute_max=MAX_MEALS)


def my_client(request, code: str) -> Member:
    member = client_of(user=request.user, code=code)
    if member is None:
        raise Http404("No such client.")
    return member


@trainer_only
@never_cache
@require_GET
def client_list(request):
    return render(request, "portal/trainer/clients.html", {"clients": list(trainer_clients(user=request.user))})


@trainer_only
@never_cache
@require_GET
def client_detail(request, code: str):
    member = my_client(request, code)
    workout, diet = programs_of(member=member)
    context = {
        "member": member,
        "snapshot": membership_snapshot(member=member),
        "workout": workout,
        "diet": diet,
        "workout_history": program_history(workout) if workout else [],
        "diet_history": program_history(diet) if diet else [],
    }
    return render(request, "portal/trainer/client.html", context)


def _save_program(request, member: Member, header: HeaderForm, *, valid: bool, service, what: str, content):
    """The POST both program forms share. With every form valid, save through the service
    (``content()`` gives its days or meals); a ValidationError from it is shown on the header
    form. Returns the redirect after a save, or None to show the form again."""
    if not valid:
        return None
    head = header.cleaned_data
    try:
        service(member=member, by=request.user, title=head["title"], notes=head["notes"], **content())
    except ValidationError as exc:
        for message in exc.messages:
            header.add_error(None, message)
        return None
    messages.success(request, f"{what} of {member.display_name} saved.")
    return redirect("portal:trainer_client", code=member.code)


# --- the workout program form ---------------------------------------------------------


def _day_blocks(days: list[dict], data=None) -> list[dict]:
    """One block per day (and one empty day to add, up to MAX_DAYS), each a name form and an exercise formset."""
    count = len(days) + 1
    if data is not None:
        try:
            count = int(data.get("day_count", count))
        except (TypeError, ValueError):
            count = 1
    count = max(1, min(count, MAX_DAYS))
    blocks = []
    for i in range(count):
        day = days[i] if i < len(days) else {"name": "", "exercises": []}
        rows = day.get("exercises", [])
        blank = min(BLANK_EXERCISES, MAX_EXERCISES - len(rows))
        initial = rows + [{}] * blank
        blocks.append(
            {
                "number": i + 1,
                "day": DayForm(data, prefix=f"day{i}", initial={"name": day.get("name", "")}),
                "exercises": ExerciseFormSet(data, prefix=f"day{i}-ex", initial=initial),
            }
        )
    return blocks


def _days_from(blocks: list[dict]) -> list[dict]:
    days = []
    for block in blocks:
        exercises = [
            {k: form.cleaned_data.get(k) for k in ("name", "sets", "reps", "notes")}
            for form in block["exercises"]
            if form.cleaned_data.get("name") or form.cleaned_data.get("reps") or form.cleaned_data.get("notes")
        ]
        name = block["day"].cleaned_data.get("name", "")
        if name or exercises:
            days.append({"name": name, "exercises": exercises})
    return days


@trainer_only
@never_cache
@require_http_methods(["GET", "POST"])
def workout_edit(request, code: str):
    member = my_client(request, code)
    workout, _diet = programs_of(member=member)
    days = workout.days if workout else []
    if request.method == "POST":
        header, blocks = HeaderForm(request.POST), _day_blocks(days, request.POST)
        valid = header.is_valid() & all(b["day"].is_valid() & b["exercises"].is_valid() for b in blocks)
        saved = _save_program(
            request, member, header, valid=valid, service=workout_program_save, what="Workout program",
            content=lambda: {"days": _days_from(blocks)},
        )  # fmt: skip
        if saved is not None:
            return saved
        status = 400
    else:
        initial = {"title": workout.title, "notes": workout.notes} if workout else {"title": "Training program"}
        header, blocks, status = HeaderForm(initial=initial), _day_blocks(days), 200
    context = {"member": member, "header": header, "blocks": blocks, "day_count": len(blocks), "max_days": MAX_DAYS}
    return render(request, "portal/trainer/workout_edit.html", context, status=status)


# --- the diet plan form ------------------------------------------------------------------


def _meals_initial(meals: list[dict]) -> list[dict]:
    rows = [{"name": m["name"], "items": "\n".join(m.get("items", [])), "notes": m.get("notes", "")} for m in meals]
    return rows + [{}] * min(2, MAX_MEALS - len(rows))


def _meals_from(formset) -> list[dict]:
    meals = []
    for form in formset:
        data = form.cleaned_data
        items = [line.strip() for line in (data.get("items") or "").splitlines() if line.strip()]
        if data.get("name") or items or data.get("notes"):
            meals.append({"name": data.get("name", ""), "items": items, "notes": data.get("notes", "")})
    return meals


@trainer_only
@never_cache
@require_http_methods(["GET", "POST"])
def diet_edit(request, code: str):
    member = my_client(request, code)
    _workout, diet = programs_of(member=member)
    initial_meals = _meals_initial(diet.meals if diet else [])
    if request.method == "POST":
        header, meals = HeaderForm(request.POST), MealFormSet(request.POST, prefix="meal", initial=initial_meals)
        saved = _save_program(
            request, member, header, valid=header.is_valid() & meals.is_valid(), service=diet_plan_save,
            what="Diet plan", content=lambda: {"meals": _meals_from(meals)},
        )  # fmt: skip
        if saved is not None:
            return saved
        status = 400
    else:
        initial = {"title": diet.title, "notes": diet.notes} if diet else {"title": "Diet plan"}
        header, meals, status = HeaderForm(initial=initial), MealFormSet(prefix="meal", initial=initial_meals), 200
    return render(
        request, "portal/trainer/diet_edit.html", {"member": member, "header": header, "meals": meals}, status=status
    )
