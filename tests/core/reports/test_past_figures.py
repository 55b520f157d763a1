"""A write about a day before today refreshes the cached past figures at once (the
past-figures version moves on after the commit); writes about today leave the cache.

World of tests/core/reports/world.py, today Wed 15 Apr 2026 10:00. The test's
transaction never commits: ``committed`` runs the on-commit work of the writes
inside it, as a real commit would."""

import pytest
from django.core.cache import cache
from django.db import transaction

from core.attendance.services import PunchIn, checkin_manual, checkins_record_punches
from core.billing.services.payments import payment_record
from core.common.past_figures import VERSION_KEY, past_figures_changed, past_figures_version
from core.members.importing import members_import_file
from core.members.models import Member
from core.members.services import member_soft_delete
from core.memberships.models import Plan
from core.memberships.services import membership_cancel, membership_create
from core.reports.dashboard import dashboard_numbers
from core.reports.members import membership_movement_now
from tests.core.reports.world import NOW, TODAY, day, local

pytestmark = pytest.mark.django_db

YESTERDAY = day(4, 14)


@pytest.fixture(autouse=True)
def _cached(settings):
    settings.REPORTS_CHART_CACHE_SECONDS = 3600


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _chart(section: str):
    return dashboard_numbers(sections={section}, today=TODAY, now=NOW)[section]


def _revenue_day(when) -> str:
    (row,) = [r for r in _chart("revenue_chart")["days"] if r["day"] == when]
    return str(row["net"])


def _with_biometric_id(member: Member, biometric_id: str) -> Member:
    Member.all_objects.filter(pk=member.pk).update(biometric_id=biometric_id)
    member.biometric_id = biometric_id
    return member


def test_a_payment_back_dated_to_yesterday_shows_at_once(world, committed):
    # given: the chart's past days are in the cache (700 yesterday)
    assert _revenue_day(YESTERDAY) == "700.00"
    # when: 50 received yesterday noon is recorded now
    with committed():
        payment_record(
            invoice=world.invoices["late45"], amount="50.00", received_by=world.staff, received_at=local(YESTERDAY, 12)
        )
    # then
    assert _revenue_day(YESTERDAY) == "750.00"


def test_a_payment_received_now_leaves_the_cache(world, committed):
    # given
    _chart("revenue_chart")
    before = past_figures_version()
    # when
    with committed():
        payment_record(invoice=world.invoices["late45"], amount="50.00", received_by=world.staff)
    # then: the version stands, and today's bar (counted afresh) has the 50 all the same
    assert past_figures_version() == before
    assert _revenue_day(TODAY) == "3250.00"


def test_a_rolled_back_back_dated_payment_leaves_the_cache(world, committed):
    # given
    before = past_figures_version()
    # when
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        payment_record(invoice=world.invoices["late45"], amount="50.00", received_at=local(YESTERDAY, 12))
        raise RuntimeError("the request failed after the payment")
    # then
    assert past_figures_version() == before


def test_a_late_device_batch_shows_in_the_cached_checkin_hours(world, committed):
    # given: the door device was offline; yesterday 20:00 shows no visits
    member = _with_biometric_id(world.members["A"], "a-1")
    assert _chart("checkins_chart")[20] == 0
    # when: it syncs yesterday's punches (a refused one of an unknown ID among them)
    with committed():
        checkins_record_punches(
            punches=[PunchIn("a-1", local(YESTERDAY, 20, 5)), PunchIn("nobody", local(day(4, 13), 6))]
        )
    # then
    assert _chart("checkins_chart")[20] == 1
    assert member.checkins.filter(at=local(YESTERDAY, 20, 5)).exists()


def test_a_punch_from_today_leaves_the_cache(world, committed):
    # given
    _with_biometric_id(world.members["K"], "k-1")
    hours = _chart("checkins_chart")
    before = past_figures_version()
    # when
    with committed():
        checkins_record_punches(punches=[PunchIn("k-1", local(TODAY, 9, 58))])
    # then: counted in today's part, the version stands
    assert past_figures_version() == before
    assert _chart("checkins_chart")[9] == hours[9] + 1


def test_a_refused_punch_of_yesterday_leaves_the_cache(world, committed):
    # given: only allowed check-ins are counted by hour
    before = past_figures_version()
    # when
    with committed():
        checkins_record_punches(punches=[PunchIn("nobody", local(YESTERDAY, 20))])
    # then
    assert past_figures_version() == before


def test_a_desk_check_in_entered_for_yesterday_shows_at_once(world, committed):
    # given
    assert _chart("checkins_chart")[19] == 0
    # when
    with committed():
        checkin_manual(member=world.members["C"], by=world.staff, at=local(YESTERDAY, 19, 30))
    # then
    assert _chart("checkins_chart")[19] == 1


def test_cancelling_a_term_that_started_last_month_refreshes_the_active_members_chart(world, committed):
    # given: on 31 March A2, C1, D and I were active
    assert _chart("members_chart")[-2]["active"] == 4
    # when: D's term (2 March - 1 April) is cancelled
    with committed():
        membership_cancel(membership=world.memberships["D"], reason="Sold by mistake")
    # then
    assert _chart("members_chart")[-2]["active"] == 3


def test_cancelling_a_term_starting_on_the_first_refreshes_last_months_lapses(world, committed):
    # given: A2 ended on 31 March and A3 followed on 1 April, so March lapsed only E
    movement = lambda: membership_movement_now(first_month=day(3, 1), last_month=TODAY, today=TODAY)  # noqa: E731
    assert movement()[0]["lapsed"] == 1
    # when
    with committed():
        membership_cancel(membership=world.memberships["A3"], reason="Not renewed after all")
    # then: nothing followed A2
    assert movement()[0]["lapsed"] == 2


def test_changing_a_plans_interval_refreshes_past_months_mrr(world, committed):
    # given: last month's MRR is cached
    movement = lambda: membership_movement_now(first_month=day(3, 1), last_month=TODAY, today=TODAY)  # noqa: E731
    before = movement()[0]["mrr"]
    plan = Plan.objects.get(name="Monthly")
    # when: the Monthly plan turns out to be sold per three months (its price now covers 90 days)
    with committed():
        plan.interval_count = 3
        plan.full_clean()
        plan.save()
    # then: what its terms are worth per 30 days drops at once
    assert movement()[0]["mrr"] < before


def test_a_plan_saved_without_its_interval_leaves_the_cache(world, committed):
    version = past_figures_version()
    plan = Plan.objects.get(name="Monthly")
    with committed():
        plan.is_active = False
        plan.save(update_fields=["is_active", "updated_at"])
    assert past_figures_version() == version


def test_a_term_sold_from_today_leaves_the_cache(world, committed):
    # given
    _chart("members_chart")
    before = past_figures_version()
    # when
    with committed():
        membership_create(member=world.members["G"], plan=Plan.objects.get(name="Monthly"))
    # then
    assert past_figures_version() == before


def test_deleting_a_member_refreshes_the_months_they_were_counted_in(world, committed):
    # given: I (a year's term) counts at every month end
    assert _chart("members_chart")[-2]["active"] == 4
    # when
    with committed():
        member_soft_delete(member=world.members["I"], reason="Duplicate")
    # then
    assert _chart("members_chart")[-2]["active"] == 3


def test_a_register_imported_with_last_months_terms_refreshes_the_active_members_chart(world, committed):
    # given
    assert _chart("members_chart")[-2]["active"] == 4
    # when: a member whose monthly term started on 20 March is imported (bulk inserts, no signals)
    csv = "email,first_name,last_name,phone,date_of_birth,plan,membership_start\n"
    csv += "new@ex.com,Nusrat,Jahan,01719999999,17/05/1990,Monthly,20/03/2026\n"
    with committed():
        members_import_file(data=csv.encode(), file_format="csv", by=world.admin)
    # then
    assert _chart("members_chart")[-2]["active"] == 5


def test_the_first_change_sets_a_version_and_a_lost_one_starts_afresh(db, clock, committed):
    # given: no version in the cache yet (incr of a missing key raises in LocMem and Redis)
    assert cache.get(VERSION_KEY) is None
    # when
    with committed():
        past_figures_changed(on=YESTERDAY)
    # then
    first = cache.get(VERSION_KEY)
    assert first is not None
    # and when the version is evicted, the next is not an old number (entries cached under it would match)
    cache.delete(VERSION_KEY)
    assert past_figures_version() > first
