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


def clean_days(days) -> list[dict]:
    """Check and normalise workout days; raise ValidationError({"days": [...]}) naming each problem."""
    if not isinstance(days, list):
        raise ValidationError({"days": "The program must be a list of days."})
    errors: list[str] = []
    if len(days) > MAX_DAYS:
        errors.append(f"A program has at most {MAX_DAYS} days; this one has {len(days)}.")
    cleaned = []
    for d, day in enumerate(days[:MAX_DAYS], start=1):
        if not isinstance(day, dict):
            errors.append(f"Day {d} is not a day.")
            continue
        name = _text(day.get("name"), NAME_MAX, f"Day {d}: the name", errors)
        if not name:
            errors.append(f"Day {d} needs a name, e.g. “Monday – legs”.")
        exercises = day.get("exercises") or []
        if not isinstance(exercises, list):
            errors.append(f"Day {d}: the exercises must be a list.")
            exercises = []
        if len(exercises) > MAX_EXERCISES:
            errors.append(f"Day {d} has {len(exercises)} exercises; at most {MAX_EXERCISES}.")
        rows = []
        for e, exercise in enumerate(exercises[:MAX_EXERCISES], start=1):
            where = f"Day {d}, exercise {e}"
            if not isinstance(exercise, dict):
                errors.append(f"{where} is not an exercise.")
                continue
            ex_name = _text(exercise.get("name"), NAME_MAX, f"{where}: the name", errors)
            if not ex_name:
                errors.append(f"{where} needs a name.")
            rows.append(
                {
                    "name": ex_name,
                    "sets": _sets(exercise.get("sets"), where, errors),
                    "reps": _text(exercise.get("reps"), REPS_MAX, f"{where}: reps", errors),
                    "notes": _text(exercise.get("notes"), NOTES_MAX, f"{where}: the notes", errors),
                }
            )
        cleaned.append({"name": name, "exercises": rows})
    if errors:
        raise ValidationError({"days": errors})
    return cleaned


def clean_meals(meals) -> list[dict]:
    """Check and normalise diet meals; raise ValidationError({"meals": [...]}) naming each problem."""
    if not isinstance(meals, list):
        raise ValidationError({"meals": "The diet plan must be a list of meals."})
    errors: list[str] = []
    if len(meals) > MAX_MEALS:
        errors.append(f"A diet plan has at most {MAX_MEALS} meals; this one has {len(meals)}.")
    cleaned = []
    for m, meal in enumerate(meals[:MAX_MEALS], start=1):
        if not isinstance(meal, dict):
            errors.append(f"Meal {m} is not a meal.")
            continue
        name = _text(meal.get("name"), NAME_MAX, f"Meal {m}: the name", errors)
        if not name:
            errors.append(f"Meal {m} needs a name, e.g. “Breakfast”.")
        items = meal.get("items") or []
        if not isinstance(items, list):
            errors.append(f"Meal {m}: the items must be a list.")
            items = []
        kept = [_text(item, ITEM_MAX, f"Meal {m}, item {i}", errors) for i, item in enumerate(items, start=1)]
        kept = [item for item in kept if item]
        if len(kept) > MAX_ITEMS:
            errors.append(f"Meal {m} has {len(kept)} items; at most {MAX_ITEMS}.")
        cleaned.append(
            {
                "name": name,
                "items": kept[:MAX_ITEMS],
                "notes": _text(meal.get("notes"), NOTES_MAX, f"Meal {m}: the notes", errors),
            }
        )
    if errors:
        raise ValidationError({"meals": errors})
    return cleaned
