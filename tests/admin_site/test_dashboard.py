"""The admin index is the dashboard: KPI cards with hand-computed values (the
world of tests/core/reports/world.py, today = Wed 15 Apr 2026 10:00), each
linking to the list that shows that many rows; sections follow permissions;
a fixed number of queries whatever the number of members."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fixtures.factories import SupportFactory, TrainerUserFactory
from tests.core.reports.bulk import bulk_gym
from tests.core.reports.world import NOW, Clock, build_world, day, local, payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def world(db, clock):
    return build_world()


def _cards(response) -> dict:
    return {card["title"]: card for card in response.context["dashboard"]["cards"]}


def _rows_behind(client, link: str) -> int:
    response = client.get(link)
    assert response.status_code == 200, link
    if "cl" in response.context:
        cl = response.context["cl"]
        return cl.result_count
    return sum(table.page.paginator.count if table.page else len(table.rows) for table in response.context["tables"])


def test_admin_sees_every_kpi_with_its_value(client, world):
    # given
    client.force_login(world.admin)
    # when
    response = client.get("/admin/")
    # then
    assert response.status_code == 200
    cards = _cards(response)
    values = {title: card["value"] for title, card in cards.items()}
    assert values == {
        "Active members": 5,
        "Expiring in 7 days": 1,
        "Expired in the last 30 days": 1,
        "New members this month": 2,
        "Collected today: Cash": "৳1,200.00",
        "Collected today: bKash": "৳2,000.00",
        "Outstanding dues": "৳9,800.00",
        "Check-ins today": 4,
        "In the gym now": 2,
        "Classes today": 2,
        "Low-stock items": 2,
        "Open tickets": 2,
        "New leads": 2,
    }
    assert "7 invoices past due" in cards["Outstanding dues"]["note"]
    assert "8 of 15 seats booked, 53% full" in cards["Classes today"]["note"]
    assert "300.00 refunded" in cards["Collected today: Cash"]["note"]
    titles = [chart["title"] for chart in response.context["dashboard"]["charts"]]
    assert len(titles) == 5 and any("Revenue by day" in t for t in titles)
    body = response.content.decode()
    assert 'class="chart"' in body and "Tanvir" in body  # charts and today's classes are drawn


@pytest.mark.parametrize(
    ("title", "rows"),
    [
        ("Active members", 5),
        ("Expiring in 7 days", 1),
        ("Expired in the last 30 days", 1),
        ("New members this month", 2),
        ("Collected today: Cash", 3),  # 1000, 500 and the -300 refund
        ("Collected today: bKash", 1),
        ("Outstanding dues", 7),
        ("Check-ins today", 4),
        ("Classes today", 2),
        ("Low-stock items", 2),
        ("Open tickets", 2),
        ("New leads", 2),
    ],
)
def test_each_number_links_to_the_list_that_shows_it(client, world, title, rows):
    # given
    client.force_login(world.admin)
    link = _cards(client.get("/admin/"))[title]["link"]
    # when / then
    if title == "Low-stock items":
        response = client.get(link)
        assert response.status_code == 200 and len(response.context["skus"]) == rows
    else:
        assert _rows_behind(client, link) == rows


def test_support_without_billing_permissions_sees_no_money(client, world):
    # given: a desk account with member and check-in rights only
    desk = SupportFactory(first_name="Rita")
    desk.groups.clear()
    desk.user_permissions.set(
        Permission.objects.filter(codename__in=["view_member", "view_checkin", "view_membership"])
    )
    client.force_login(desk)
    # when
    response = client.get("/admin/")
    # then
    cards = _cards(response)
    assert "Active members" in cards and "Check-ins today" in cards
    assert not any(t.startswith("Collected") or t == "Outstanding dues" for t in cards)
    assert "Open tickets" not in cards and "Low-stock items" not in cards
    charts = [chart["title"] for chart in response.context["dashboard"]["charts"]]
    assert not any("Revenue" in t for t in charts)
    assert "৳" not in response.content.decode()


def test_default_support_group_sees_money(client, world):
    client.force_login(world.staff)  # the Support staff group may view invoices and payments
    assert "Outstanding dues" in _cards(client.get("/admin/"))


@pytest.mark.parametrize("role", ["member_user", "trainer_user"])
def test_members_and_trainers_get_no_dashboard(client, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "dashboard" not in (response.context or {})


def _dashboard_queries(client, user) -> int:
    client.force_login(user)
    client.get("/admin/")  # warm up: content types and the like are cached after the first request
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/admin/")
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize("chart_cache_seconds", [0, 3600])
def test_dashboard_query_count_does_not_grow_with_members(client, admin_user, clock, settings, chart_cache_seconds):
    # given: with the charts' past days computed on every request (0) and kept in the cache (3600)
    settings.REPORTS_CHART_CACHE_SECONDS = chart_cache_seconds
    trainer = TrainerUserFactory()
    bulk_gym(10, staff=admin_user, trainer=trainer, tag="s")
    small = _dashboard_queries(client, admin_user)
    # when
    bulk_gym(490, staff=admin_user, trainer=trainer, tag="l")
    large = _dashboard_queries(client, admin_user)
    # then
    assert small == large
    assert large <= 30
    if chart_cache_seconds:
        assert large < _dashboard_queries_cold(client, admin_user, settings)


def _dashboard_queries_cold(client, user, settings) -> int:
    settings.REPORTS_CHART_CACHE_SECONDS = 0
    return _dashboard_queries(client, user)


def test_today_is_live_and_earlier_days_are_cached_until_a_back_dated_write(
    client, world, settings, django_capture_on_commit_callbacks
):
    # given: the earlier days are cached
    settings.REPORTS_CHART_CACHE_SECONDS = 3600
    client.force_login(world.admin)
    client.get("/admin/")
    with CaptureQueriesContext(connection) as cached:
        client.get("/admin/")
    # when: 100 in cash arrives now
    with django_capture_on_commit_callbacks(execute=True):
        payment(world.invoices["paid"], "100.00", NOW, by=world.staff)
    with CaptureQueriesContext(connection) as warm:
        response = client.get("/admin/")
    # then: the card and today's bar show it, and the earlier days still come from the cache
    assert _cards(response)["Collected today: Cash"]["value"] == "৳1,300.00"
    by_day = json.loads(_chart_data(response))["datasets"][0]["data"]
    assert by_day[-2:] == [700.0, 3300.0]
    assert len(warm) == len(cached)
    # when: a 50 payment is recorded back-dated to yesterday; then yesterday's bar shows it at once
    with django_capture_on_commit_callbacks(execute=True):
        payment(world.invoices["paid"], "50.00", local(day(4, 14), 12), by=world.staff)
    with CaptureQueriesContext(connection) as refreshed:
        response = client.get("/admin/")
    assert json.loads(_chart_data(response))["datasets"][0]["data"][-2:] == [750.0, 3300.0]
    assert len(refreshed) > len(warm)


def _chart_data(response) -> str:
    return response.context["dashboard"]["charts"][0]["data"]
