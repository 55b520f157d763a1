"""Expiry reminders at gym scale: a run queues every due reminder in the same
number of queries whether a handful or hundreds of members are due (more than
one insert batch used to add a query per 500 messages)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.accounts.models import User
from core.members.models import Member
from core.memberships.models import Membership
from core.notifications.models import Message
from core.notifications.reminders import expiry_reminders_queue
from fixtures.factories import PlanFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 15)


def members_ending(count: int, *, plan, ends_on: datetime.date, prefix: str) -> None:
    """``count`` members with an email login whose membership ends on ``ends_on``
    (written in bulk: the factories would take minutes for hundreds)."""
    users = User.objects.bulk_create(
        User(email=f"{prefix}{i}@example.com", first_name=f"Member{i}", role=User.Role.MEMBER) for i in range(count)
    )
    members = Member.objects.bulk_create(
        Member(user=user, code=f"{prefix.upper()}{i:05d}", joined_on=ends_on - datetime.timedelta(days=29))
        for i, user in enumerate(users)
    )
    Membership.objects.bulk_create(
        Membership(
            member=member, plan=plan, starts_on=ends_on - datetime.timedelta(days=29), ends_on=ends_on, price=plan.price
        )
        for member in members
    )


def queries_of_a_run(today: datetime.date) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        counts = expiry_reminders_queue(today=today)
    return len(ctx.captured_queries), counts


def test_the_same_query_count_for_a_few_and_for_many_due_members(settings):
    # given: 3 members whose membership ends in 3 days, and on another day 620
    settings.WHATSAPP_TOKEN = ""
    plan = PlanFactory(name="Monthly")
    later = TODAY + datetime.timedelta(days=100)
    members_ending(3, plan=plan, ends_on=TODAY + datetime.timedelta(days=3), prefix="few")
    members_ending(620, plan=plan, ends_on=later + datetime.timedelta(days=3), prefix="many")
    # when: each day's run
    few, few_counts = queries_of_a_run(TODAY)
    many, many_counts = queries_of_a_run(later)
    # then: everyone is reminded once, in as many queries either way
    assert few_counts["expiring"] == 3 and many_counts["expiring"] == 620
    assert Message.objects.filter(template="renewal_reminder", dedupe_key__startswith="reminder:").count() == 623
    assert few == many


def test_a_second_run_for_many_members_queues_nothing_new(settings):
    # given: 620 due members already reminded today
    settings.WHATSAPP_TOKEN = ""
    plan = PlanFactory(name="Monthly")
    members_ending(620, plan=plan, ends_on=TODAY + datetime.timedelta(days=3), prefix="again")
    first, _ = queries_of_a_run(TODAY)
    # when
    second, counts = queries_of_a_run(TODAY)
    # then: no new message, and not more queries than the first run
    assert counts["expiring"] == 0
    assert Message.objects.count() == 620
    assert second <= first
