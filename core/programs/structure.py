"""The shape of a workout program and a diet plan, checked before saving.

Why a validated JSON document rather than WorkoutDay/WorkoutExercise rows:
a program is written and read as a whole (one trainer edits one member's
plan, the member reads or prints all of it) and is never queried across
members by exercise. Kept as one document, every edit is one history row
holding the complete program as it stood: "who changed what, when" is one
diff, and any earlier version can be read back as it was. Child rows would
scatter one edit over many history rows (a deleted exercise lives only in
its own table's history) with nothing tying them to the edit.

    days  = [{"name": "Day 1 - Legs", "exercises": [
                {"name": "Back squat", "sets": 4, "reps": "6-8", "notes": "2 min rest"}]}]
    meals = [{"name": "Breakfast", "items": ["3 egg whites", "Oats 60 g"], "notes": ""}]
"""

from django.core.exceptions import ValidationError

MAX_DAYS = 7
MAX_EXERCISES = 20
MAX_MEALS = 8
MAX_ITEMS = 20
NAME_MAX = 80
REPS_MAX = 20
NOTES_MAX = 255
ITEM_MAX = 120
MAX_SETS = 20


def _text(value, limit: int, what: str, errors: list[str]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append(f"{what} must be text.")
        return ""
    value = " ".join(value.split()) if limit <= NAME_MAX else value.strip()
    if len(value) > limit:
        errors.append(f"{what} is too long ({len(value)} characters; at most {limit}).")
    return value


def _sets(value, what: str, errors: list[str]) -> int | None:
    if value in (None, ""):
        return None
    try:
        sets = int(value)
    except (TypeError, ValueError):
        errors.append(f"{what}: sets must be a whole number.")
        return None
    if isinstance(value, float) and value != sets or not 1 <= sets <= MAX_SETS:
        errors.append(f"{what}: sets must be between 1 and {MAX_SETS}.")
    return sets


def _entries(value, *, limit: int, label: str, kind: str, not_list: str, too_many, clean_entry, errors) -> list:
    """The shape days, exercises and meals share: a list of at most `limit` dicts, each
    cleaned by clean_entry(entry, where, errors) where `where` is e.g. "Day 2". Problems
    are added to errors in the caller's words; what is past the limit is dropped."""
    if not isinstance(value, list):
        errors.append(not_list)
        return []
    if len(value) > limit:
        errors.append(too_many(len(value)))
    cleaned = []
    for number, entry in enumerate(value[:limit], start=1):
        where = f"{label} {number}"
        if isinstance(entry, dict):
            cleaned.append(clean_entry(entry, where, errors))
        else:
            errors.append(f"{where} is not {kind}.")
    return cleaned


def _exercise(exercise: dict, where: str, errors: list[str]) -> dict:
    name = _text(exercise.get("name"), NAME_MAX, f"{where}: the name", errors)
    if not name:
        errors.append(f"{where} needs a name.")
    return {
        "name": name,
        "sets": _sets(exercise.get("sets"), where, errors),
        "reps": _text(exercise.get("reps"), REPS_MAX, f"{where}: reps", errors),
        "notes": _text(exercise.get("notes"), NOTES_MAX, f"{where}: the notes", errors),
    }


def _day(day: dict, where: str, errors: list[str]) -> dict:
    name = _text(day.get("name"), NAME_MAX, f"{where}: the name", errors)
    if not name:
        errors.append(f"{where} needs a name, e.g. “Monday – legs”.")
    exercises = _entries(
        day.get("exercises") or [],
        limit=MAX_EXERCISES,
        label=f"{where}, exercise",
        kind="an exercise",
        not_list=f"{where}: the exercises must be a list.",
        too_many=lambda count: f"{where} has {count} exercises; at most {MAX_EXERCISES}.",
        clean_entry=_exercise,
        errors=errors,
    )
    return {"name": name, "exercises": exercises}


def _meal(meal: dict, where: str, errors: list[str]) -> dict:
    name = _text(meal.get("name"), NAME_MAX, f"{where}: the name", errors)
    if not name:
        errors.append(f"{where} needs a name, e.g. “Breakfast”.")
    items = meal.get("items") or []
    if not isinstance(items, list):
        errors.append(f"{where}: the items must be a list.")
        items = []
    # Items are strings and the limit counts the non-blank ones, so they do not take the walker.
    kept = [_text(item, ITEM_MAX, f"{where}, item {i}", errors) for i, item in enumerate(items, start=1)]
    kept = [item for item in kept if item]
    if len(kept) > MAX_ITEMS:
        errors.append(f"{where} has {len(kept)} items; at most {MAX_ITEMS}.")
    return {
        "name": name,
        "items": kept[:MAX_ITEMS],
        "notes": _text(meal.get("notes"), NOTES_MAX, f"{where}: the notes", errors),
    }


def clean_days(days) -> list[dict]:
    """Check and normalise workout days; raise ValidationError({"days": [...]}) naming each problem."""
    errors: list[str] = []
    cleaned = _entries(
        days,
        limit=MAX_DAYS,
        label="Day",
        kind="a day",
        not_list="The program must be a list of days.",
        too_many=lambda count: f"A program has at most {MAX_DAYS} days; this one has {count}.",
        clean_entry=_day,
        errors=errors,
    )
    if errors:
        raise ValidationError({"days": errors})
    return cleaned


def clean_meals(meals) -> list[dict]:
    """Check and normalise diet meals; raise ValidationError({"meals": [...]}) naming each problem."""
    errors: list[str] = []
    cleaned = _entries(
        meals,
        limit=MAX_MEALS,
        label="Meal",
        kind="a meal",
        not_list="The diet plan must be a list of meals.",
        too_many=lambda count: f"A diet plan has at most {MAX_MEALS} meals; this one has {count}.",
        clean_entry=_meal,
        errors=errors,
    )
    if errors:
        raise ValidationError({"meals": errors})
    return cleaned
