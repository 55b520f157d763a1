"""The daily digest: what a seeded gym's admins read each morning, once a day."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.billing.models import Invoice
from core.billing.services.invoices import LineSpec, invoice_issue
from core.notifications import digest
from core.notifications.digest import DigestSection, daily_digest_queue, digest_content, register_digest_section
from core.notifications.models import Message
from fixtures.factories import AdminFactory, MemberFactory, MembershipFactory, PlanFactory, SupportFactory
from tests.support.mail import html_part

pytestmark = pytest.mark.django_db


def day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


@pytest.fixture
def sections_as_registered():
    """Tests may register sections; put the registry back as the apps left it."""
    saved = dict(digest._sections)
    yield
    digest._sections.clear()
    digest._sections.update(saved)


def member(first_name: str, last_name: str, phone: str = ""):
    return MemberFactory(user__first_name=first_name, user__last_name=last_name, phone=phone)


def ending(who, offset: int, plan):
    return MembershipFactory(member=who, plan=plan, starts_on=day(offset - 29), ends_on=day(offset))


def overdue(who, total: str, *, days_late: int, paid: str = "0.00") -> Invoice:
    invoice = invoice_issue(member=who, lines=[LineSpec(description="Monthly", unit_price=Decimal(total))])
    status = Invoice.Status.PARTIAL if Decimal(paid) else Invoice.Status.ISSUED
    # Time passes: the due date is behind us.
    Invoice.objects.filter(pk=invoice.pk).update(due_on=day(-days_late), amount_paid=Decimal(paid), status=status)
    return Invoice.objects.get(pk=invoice.pk)


@pytest.fixture
def seeded_gym():
    plan = PlanFactory(name="Monthly")
    gym = {
        "due_in_2": ending(member("Nusrat", "Jahan", "+8801712345678"), 2, plan),
        "due_in_6": ending(member("Karim", "Uddin"), 6, plan),
        "due_in_7": ending(member("Late", "Renewal"), 7, plan),  # renewal date is 8 days away: not yet
        "expired_yesterday": ending(member("Rafi", "Ahmed"), -1, plan),
        "expired_2_days": ending(member("Old", "News"), -2, plan),
    }
    renewed = ending(member("Already", "Renewed"), 3, plan)
    MembershipFactory(member=renewed.member, plan=plan, starts_on=day(4), ends_on=day(33))
    gym["unpaid"] = overdue(gym["due_in_2"].member, "1500.00", days_late=3)
    gym["partly_paid"] = overdue(gym["due_in_6"].member, "3000.00", days_late=10, paid="1000.00")
    invoice_issue(
        member=gym["expired_yesterday"].member,
        lines=[LineSpec(description="Not due yet", unit_price=Decimal("500.00"))],
    )
    void = overdue(gym["expired_yesterday"].member, "900.00", days_late=5)
    Invoice.objects.filter(pk=void.pk).update(status=Invoice.Status.VOID)
    return gym


def by_name(content: list[dict]) -> dict[str, dict]:
    return {section["name"]: section for section in content}


def test_digest_content_for_a_seeded_gym(seeded_gym):
    # when
    content = by_name(digest_content(today=timezone.localdate()))
    # then
    assert list(content)[:3] == ["renewals_due", "expired_yesterday", "dues_outstanding"]
    renewals = content["renewals_due"]
    assert renewals["title"] == "Renewals due in the next 7 days"
    assert renewals["summary"] == "2 not renewed yet"
    code_2, code_6 = seeded_gym["due_in_2"].member.code, seeded_gym["due_in_6"].member.code
    assert renewals["lines"] == [
        f"{code_2} Nusrat Jahan (Monthly, +8801712345678): last day {day(2):%a} {day(2).day} {day(2):%b}",
        f"{code_6} Karim Uddin (Monthly): last day {day(6):%a} {day(6).day} {day(6):%b}",
    ]
    expired = content["expired_yesterday"]
    assert [line.split(" (")[0] for line in expired["lines"]] == [
        f"{seeded_gym['expired_yesterday'].member.code} Rafi Ahmed"
    ]
    dues = content["dues_outstanding"]
    assert dues["summary"] == "2 invoices past due, ৳3,500.00 owed"
    partly, unpaid = seeded_gym["partly_paid"], seeded_gym["unpaid"]
    assert [line.split(":")[0] for line in dues["lines"]] == [
        f"{partly.number} Karim Uddin",  # the oldest first
        f"{unpaid.number} Nusrat Jahan",
    ]
    assert "৳2,000.00 due since" in dues["lines"][0]


def test_one_digest_per_active_admin_per_day(seeded_gym, django_capture_on_commit_callbacks, mailoutbox):
    # given
    ada, bob = AdminFactory(first_name="Ada"), AdminFactory(first_name="Bob")
    AdminFactory(first_name="Gone", is_active=False)
    SupportFactory()
    # when: the job runs twice the same morning
    with django_capture_on_commit_callbacks(execute=True):
        first = daily_digest_queue()
    with django_capture_on_commit_callbacks(execute=True):
        second = daily_digest_queue()
    # then
    assert (first, second) == (2, 0)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([ada.email, bob.email])
    today = timezone.localdate()
    assert set(Message.objects.filter(template="daily_digest").values_list("dedupe_key", flat=True)) == {
        f"daily_digest:{today.isoformat()}:{ada.pk}",
        f"daily_digest:{today.isoformat()}:{bob.pk}",
    }
    # and tomorrow brings a new one
    with django_capture_on_commit_callbacks(execute=True):
        assert daily_digest_queue(today=today + datetime.timedelta(days=1)) == 2


def test_the_digest_email_reads_well(seeded_gym, settings, django_capture_on_commit_callbacks, mailoutbox):
    # given
    AdminFactory(first_name="Ada")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        daily_digest_queue()
    # then
    [email] = mailoutbox
    today = timezone.localdate()
    assert email.subject == f"{settings.GYM_NAME} daily digest: {today:%A} {today.day} {today:%B %Y}"
    assert "Good morning Ada," in email.body
    assert "== Renewals due in the next 7 days ==\n2 not renewed yet\n- " in email.body
    assert "== Dues outstanding ==\n2 invoices past due, ৳3,500.00 owed" in email.body
    assert f"See: {settings.SITE_URL}/admin/members/member/?expiring=7" in email.body
    html = html_part(email)
    assert "Renewals due in the next 7 days" in html and "Nusrat Jahan" in html


def test_empty_sections_say_nothing_today(django_capture_on_commit_callbacks, mailoutbox):
    # given: a gym with nothing to report
    AdminFactory()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        daily_digest_queue()
    # then
    body = mailoutbox[0].body
    for title in ("Renewals due in the next 7 days", "Expired yesterday", "Dues outstanding"):
        assert f"== {title} ==\nNothing today." in body
    assert html_part(mailoutbox[0]).count("Nothing today.") >= 3


def test_a_registered_section_appears_and_a_broken_one_does_not_stop_the_digest(
    sections_as_registered, django_capture_on_commit_callbacks, mailoutbox
):
    # given: another app's section, and one that fails
    register_digest_section(
        "low_stock", lambda today: DigestSection(title="Low stock", lines=["PROT-1KG: 2 left"], summary="1 SKU")
    )

    def broken(today):
        raise RuntimeError("the inventory database is on fire")

    register_digest_section("open_tickets", broken)
    AdminFactory()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        assert daily_digest_queue() == 1
    # then
    body = mailoutbox[0].body
    assert "== Low stock ==\n1 SKU\n- PROT-1KG: 2 left" in body
    assert "== Open tickets ==\nCould not be put together.\n- This section failed" in body
    assert "on fire" not in body  # the error goes to the log, not to the inbox


def test_long_sections_are_cut_with_a_count(sections_as_registered):
    register_digest_section("many", lambda today: DigestSection(title="Many", lines=[f"line {i}" for i in range(40)]))
    many = by_name(digest_content(today=timezone.localdate()))["many"]
    assert len(many["lines"]) == digest.MAX_LINES
    assert many["more"] == 40 - digest.MAX_LINES


def test_no_admin_no_digest():
    assert daily_digest_queue() == 0
    assert not Message.objects.exists()
