"""Validating rows a service builds itself from rows it already holds."""

from django.db import models


def clean_built(instance: models.Model) -> None:
    """``full_clean()`` without the queries that only re-prove what the service knows.

    Every field check still runs (lengths, choices, digits, blanks). Skipped:
    foreign keys set to a loaded row (full_clean() queries that each exists),
    and unique and check-constraint validation (a query each, and a savepoint
    pair per check constraint): the service computed those values itself
    (numbers from a locked counter, amounts it checked) and the database still
    enforces every constraint. Values a person typed go through full_clean()."""
    held = [
        field.name
        for field in instance._meta.concrete_fields
        if field.is_relation
        and field.is_cached(instance)
        and (related := field.get_cached_value(instance)) is not None
        and not related._state.adding
    ]
    instance.full_clean(exclude=held, validate_unique=False, validate_constraints=False)
