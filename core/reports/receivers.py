"""Signal receivers that keep the report cache honest (connected in ReportsConfig.ready).

This is cache invalidation, not business logic (DESIGN.md keeps that out of
signals): nothing here changes a row or decides anything about the gym. It is
here because payments and membership terms are written through ``save()`` by
several services (selling, renewing, cancelling, freezing, invoice
corrections, bKash settlement), and a receiver is the one place that sees every
path, including ones added later. Bulk writes send no signals: those call
core.common.past_figures themselves (device punches, the member import)."""

from core.common.past_figures import past_figures_changed, plan_figures_changed, term_figures_changed

# What the cached figures read: revenue sums amount by received_at; the month figures count terms
# by member, dates and status, price them by plan, and tell renewals from first terms.
PAYMENT_FIELDS = {"amount", "received_at"}
MEMBERSHIP_FIELDS = {"member", "plan", "starts_on", "ends_on", "price", "status", "renewed_from"}
PLAN_FIELDS = {"interval_count", "interval_unit"}


def _touches(update_fields, fields: set[str]) -> bool:
    # A save(update_fields=[...]) of other fields (a term moved to a replacement invoice) changes no figure.
    return update_fields is None or bool({name.removesuffix("_id") for name in update_fields} & fields)


def payment_written(sender, instance, update_fields=None, **kwargs) -> None:
    """post_save and post_delete of Payment."""
    if _touches(update_fields, PAYMENT_FIELDS):
        past_figures_changed(on=instance.received_at)


def membership_written(sender, instance, update_fields=None, **kwargs) -> None:
    """post_save and post_delete of Membership, judged by the term's start (term_figures_changed).
    Cancelling a term that started last month changes last month's counts; freezing one moves only
    an end date that is today or later, which changes none, but freezes are rare and it is counted."""
    if _touches(update_fields, MEMBERSHIP_FIELDS):
        term_figures_changed(starts_on=instance.starts_on)


def plan_written(sender, instance, update_fields=None, **kwargs) -> None:
    """post_save of Plan: its price per 30 days (MRR) follows its interval."""
    if _touches(update_fields, PLAN_FIELDS):
        plan_figures_changed()
