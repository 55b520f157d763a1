"""Expiry reminders: the right stage on the right day, WhatsApp or email,
never twice, none after a renewal, and a query count that does not grow."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.notifications.models import Message
from core.notifications.reminders import expiry_reminders_queue
from fixtures.factories import MemberFactory, MembershipFactory, PlanFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 15)  # a Tuesday


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


@pytest.fixture
def plan():
    return PlanFactory(name="Monthly")


@pytest.fixture
def whatsapp_on(wa_sim):
    return wa_sim


def membership_ending(offset: int, *, plan, member=None, **member_fields):
    """A membership whose last day is TODAY + offset."""
    member = member or MemberFactory(**member_fields)
    return MembershipFactory(member=member, plan=plan, starts_on=day(offset - 29), ends_on=day(offset))


def reminders() -> list[tuple[str, str, str]]:
    return sorted(Message.objects.values_list("dedupe_key", "template", "channel"))


def run(today=TODAY, execute=False, capture=None):
    if capture is None:
        return expiry_reminders_queue(today=today)
    with capture(execute=execute):
        return expiry_reminders_queue(today=today)


def test_each_stage_is_queued_on_its_day(plan, settings):
    # given
    settings.WHATSAPP_TOKEN = ""
    in_3_days = membership_ending(3, plan=plan)
    in_4_days = membership_ending(4, plan=plan)
    ended_yesterday = membership_ending(-1, plan=plan)
    ends_today = membership_ending(0, plan=plan)
    ended_8_days_ago = membership_ending(-8, plan=plan)
    ended_5_days_ago = membership_ending(-5, plan=plan)
    # when
    counts = run()
    # then
    assert reminders() == sorted(
        [
            (f"reminder:{in_3_days.pk}:expiring", "renewal_reminder", "EMAIL"),
            (f"reminder:{ends_today.pk}:expiring", "renewal_reminder", "EMAIL"),
            (f"reminder:{ended_yesterday.pk}:expired", "membership_expired", "EMAIL"),
            (f"reminder:{ended_8_days_ago.pk}:expired_again", "membership_expired", "EMAIL"),
        ]
    )
    assert counts == {"expiring": 2, "expired": 1, "expired_again": 1, "whatsapp": 0, "email": 4, "unreachable": 0}
    assert in_4_days.pk not in {int(k.split(":")[1]) for k, _, _ in reminders()}
    assert ended_5_days_ago.pk not in {int(k.split(":")[1]) for k, _, _ in reminders()}


def test_the_email_says_when_and_what_to_do(plan, settings, mailoutbox, django_capture_on_commit_callbacks):
    # given
    settings.WHATSAPP_TOKEN = ""
    membership = membership_ending(3, plan=plan)
    user = membership.member.user
    # when
    run(capture=django_capture_on_commit_callbacks, execute=True)
    # then
    [email] = mailoutbox
    assert email.to == [user.email]
    assert email.subject == f"Your {settings.GYM_NAME} membership ends in 3 days"
    assert f"Hello {user.first_name}," in email.body
    assert "Your Monthly membership" in email.body and "ends on Fri 18 Dec 2026, in 3 days." in email.body
    assert f"{settings.SITE_URL}/portal/" in email.body


def test_the_second_expired_reminder_says_how_long_ago(plan, settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.WHATSAPP_TOKEN = ""
    membership_ending(-8, plan=plan)
    run(capture=django_capture_on_commit_callbacks, execute=True)
    [email] = mailoutbox
    assert email.subject == f"We miss you at {settings.GYM_NAME}: your membership ended 8 days ago"
    assert "ended on Mon 7 Dec 2026, 8 days ago" in email.body


def test_running_twice_queues_and_sends_once(plan, settings, mailoutbox, django_capture_on_commit_callbacks):
    # given
    settings.WHATSAPP_TOKEN = ""
    membership_ending(3, plan=plan)
    membership_ending(-1, plan=plan)
    # when
    first = run(capture=django_capture_on_commit_callbacks, execute=True)
    second = run(capture=django_capture_on_commit_callbacks, execute=True)
    # then
    assert first["email"] == 2
    assert second["email"] == 0
    assert Message.objects.count() == 2
    assert len(mailoutbox) == 2


def test_a_missed_run_is_caught_up_the_next_day_but_never_repeated(plan, settings):
    # given: a membership that ended the day before yesterday; the job did not run yesterday
    settings.WHATSAPP_TOKEN = ""
    membership = membership_ending(-2, plan=plan)
    # when
    run()
    run(today=day(1))
    # then
    assert reminders() == [(f"reminder:{membership.pk}:expired", "membership_expired", "EMAIL")]


def test_a_renewal_already_sold_stops_the_reminders(plan, settings):
    # given
    settings.WHATSAPP_TOKEN = ""
    renewed = membership_ending(3, plan=plan)
    MembershipFactory(member=renewed.member, plan=plan, starts_on=day(4), ends_on=day(33))
    lapsed_then_back = membership_ending(-1, plan=plan)
    MembershipFactory(member=lapsed_then_back.member, plan=plan, starts_on=TODAY, ends_on=day(29))
    # when
    counts = run()
    # then
    assert reminders() == []
    assert counts["expiring"] == counts["expired"] == 0


def test_cancelled_memberships_and_deleted_members_get_nothing(plan, settings):
    settings.WHATSAPP_TOKEN = ""
    cancelled = membership_ending(3, plan=plan)
    cancelled.status = "CANCELLED"
    cancelled.save()
    gone = membership_ending(3, plan=plan)
    type(gone.member).all_objects.filter(pk=gone.member.pk).update(deleted_at=timezone.now())
    assert run()["expiring"] == 0
    assert reminders() == []


def test_whatsapp_for_members_who_agreed_email_for_the_rest(plan, whatsapp_on, django_capture_on_commit_callbacks):
    # given
    agreed = membership_ending(3, plan=plan, phone="+8801712345678", whatsapp_opt_in=True)
    not_agreed = membership_ending(3, plan=plan, phone="+8801812345678", whatsapp_opt_in=False)
    landline = membership_ending(3, plan=plan, phone="+88029876543", whatsapp_opt_in=True)
    no_phone = membership_ending(3, plan=plan, phone="", whatsapp_opt_in=True)
    # when
    counts = run(capture=django_capture_on_commit_callbacks, execute=True)
    # then
    channels = dict(Message.objects.values_list("dedupe_key", "channel"))
    assert channels == {
        f"reminder:{agreed.pk}:expiring": "WHATSAPP",
        f"reminder:{not_agreed.pk}:expiring": "EMAIL",
        f"reminder:{landline.pk}:expiring": "EMAIL",
        f"reminder:{no_phone.pk}:expiring": "EMAIL",
    }
    assert (counts["whatsapp"], counts["email"]) == (1, 3)
    [sent] = whatsapp_on.sent
    assert sent.to == "8801712345678"
    assert sent.template == "renewal_reminder"
    assert sent.parameters == [agreed.member.user.first_name, "Monthly", "Fri 18 Dec 2026"]
    wa = Message.objects.get(channel="WHATSAPP")
    assert (wa.status, wa.recipient, wa.provider_id) == ("SENT", "+8801712345678", sent.wamid)


def test_everyone_gets_email_while_whatsapp_is_off(plan, settings):
    settings.WHATSAPP_TOKEN = ""
    membership_ending(3, plan=plan, phone="+8801712345678", whatsapp_opt_in=True)
    assert run()["email"] == 1
    assert Message.objects.get().channel == "EMAIL"


def test_a_member_without_email_or_whatsapp_is_counted_as_unreachable(plan, settings):
    settings.WHATSAPP_TOKEN = ""
    membership = membership_ending(3, plan=plan)
    type(membership.member).all_objects.filter(pk=membership.member.pk).update(user=None)
    assert run()["unreachable"] == 1
    assert not Message.objects.exists()


def test_one_member_with_bad_data_does_not_hold_up_the_others(plan, settings):
    # given: an address that is not one (imported before GymOS checked them)
    settings.WHATSAPP_TOKEN = ""
    broken = membership_ending(3, plan=plan)
    type(broken.member.user).objects.filter(pk=broken.member.user.pk).update(email="not an address")
    fine = membership_ending(3, plan=plan)
    # when
    counts = run()
    # then
    assert counts["unreachable"] == 1
    assert reminders() == [(f"reminder:{fine.pk}:expiring", "renewal_reminder", "EMAIL")]


def queries_for(n: int, *, plan, today: datetime.date, prefix: str) -> tuple[int, dict]:
    """Queries of one run with ``n`` members (half of them on WhatsApp) whose membership ends in 3 days."""
    for i in range(n):
        member = MemberFactory(phone=f"{prefix}{i:08d}", whatsapp_opt_in=i % 2 == 0)
        MembershipFactory(
            member=member,
            plan=plan,
            starts_on=today - datetime.timedelta(days=26),
            ends_on=today + datetime.timedelta(days=3),
        )
    with CaptureQueriesContext(connection) as ctx:
        counts = expiry_reminders_queue(today=today)
    return len(ctx.captured_queries), counts


@pytest.mark.parametrize("whatsapp", [False, True], ids=["email-only", "whatsapp-on"])
def test_the_query_count_does_not_grow_with_the_number_of_members(plan, settings, wa_sim, whatsapp):
    # given
    if not whatsapp:
        settings.WHATSAPP_TOKEN = ""
    # when: 5 members one day, 30 others another day
    few, few_counts = queries_for(5, plan=plan, today=TODAY, prefix="+88017")
    many, many_counts = queries_for(30, plan=plan, today=day(100), prefix="+88018")
    # then
    assert few_counts["expiring"] == 5 and many_counts["expiring"] == 30
    assert many_counts["whatsapp"] == (15 if whatsapp else 0)
    assert few == many
