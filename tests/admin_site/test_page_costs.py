"""What keeps the admin fast with 50,000 members (bench/, issue 11), asserted as
behaviour: a page's query count does not grow with its data, unfold's pages
render the same HTML with the speed-ups, the date bar lists the right years and
months, sidebar counts are counted once, big unfiltered lists count in one query."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from unfold import admin as unfold_admin
from unfold.fields import UnfoldAdminReadonlyField
from unfold.templatetags import unfold_list

from admin_site import paginators, unfold_speedups
from core.attendance.models import CheckIn
from core.attendance.services import checkin_manual
from core.billing.models import Invoice
from tests.admin_site.member_pages import change_url
from tests.core.billing.builders import issue
from tests.core.members.builders import make_member, make_plan, sell

pytestmark = pytest.mark.django_db

CHECKINS = "/admin/attendance/checkin/"
INVOICES = "/admin/billing/invoice/"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _get(client, path: str) -> tuple[int, str, list[str]]:
    client.get(path)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx), response.content.decode(), [q["sql"] for q in ctx.captured_queries]


def test_member_page_queries_do_not_grow_with_its_memberships(admin_client):
    # given: two members on a current term, one with seven earlier terms before it
    plan = make_plan(name="Monthly")
    today = timezone.localdate()
    one, eight = make_member(first_name="One"), make_member(first_name="Eight")
    sell(one, plan, today - datetime.timedelta(days=3))
    start, terms = today - datetime.timedelta(days=200), 0
    while True:
        term = sell(eight, plan, start)
        terms += 1
        if term.ends_on >= today:
            break
        start = term.ends_on + datetime.timedelta(days=1)
    # when
    few, few_page, _ = _get(admin_client, change_url(one))
    many, many_page, _ = _get(admin_client, change_url(eight))
    # then: same queries, every term listed
    assert terms >= 7
    assert few == many
    assert many_page.count("Monthly") > few_page.count("Monthly")


def test_checkin_list_queries_do_not_grow_with_the_log(admin_client, admin_user):
    # given
    members = [make_member(first_name=f"Visitor{i}") for i in range(30)]
    checkin_manual(member=members[0], by=admin_user)
    few, _, _ = _get(admin_client, CHECKINS)
    # when
    for member in members[1:]:
        checkin_manual(member=member, by=admin_user)
    many, page, _ = _get(admin_client, CHECKINS)
    # then
    assert few == many
    assert "Visitor29" in page


@pytest.mark.parametrize("mode", ["estimated", "exact"])
def test_an_unfiltered_big_list_is_counted_in_one_query(admin_client, admin_user, monkeypatch, mode):
    # given: the threshold below the table's size (estimated; -1 before any ANALYZE) or above it
    if mode == "estimated":
        monkeypatch.setattr(paginators, "ESTIMATE_ABOVE", -2)
    checkin_manual(member=make_member(), by=admin_user)
    # when
    admin_client.get(CHECKINS)
    with CaptureQueriesContext(connection) as ctx:
        response = admin_client.get(CHECKINS)
    # then: one query either way; below the threshold the count is exact
    counts = [q["sql"] for q in ctx.captured_queries if 'COUNT(*) FROM "attendance_checkin"' in q["sql"]]
    assert len(counts) == 1 and "reltuples" in counts[0]
    if mode == "exact":
        assert response.context["cl"].result_count == CheckIn.objects.count() == 1


def _without_speedups(monkeypatch) -> None:
    monkeypatch.setattr(unfold_list, "result_headers", unfold_speedups._original["result_headers"])
    monkeypatch.setattr(unfold_list, "display_for_label", unfold_speedups._original["display_for_label"])
    monkeypatch.setattr(unfold_admin, "checkbox", unfold_admin.checkbox.widget)
    monkeypatch.setattr(UnfoldAdminReadonlyField, "contents", unfold_speedups._original["contents"])


def _html(client, path: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", client.get(path).content.decode())


def test_speedups_render_the_same_html_as_unfold(admin_client, monkeypatch):
    # given: lists with sort links, badges and checkboxes, and a page of read-only fields
    member = make_member(first_name="Nadia")
    sell(member, make_plan(name="Quarterly"), timezone.localdate())
    issue(member=member, total="1500.00")
    pages = [INVOICES, "/admin/members/member/", change_url(member), f"{INVOICES}?o=-3.1"]
    fast = {path: _html(admin_client, path) for path in pages}
    # when
    _without_speedups(monkeypatch)
    # then
    for path in pages:
        assert _html(admin_client, path) == fast[path], path
    assert 'name="_selected_action"' in fast[INVOICES] and "Quarterly" in fast[change_url(member)]


def test_date_bar_lists_the_years_then_the_months(admin_client):
    # given: invoices issued in two years
    today = timezone.localdate()
    old, new = issue(total="100.00"), issue(total="200.00")
    Invoice.objects.filter(pk=old.pk).update(issued_on=today.replace(year=today.year - 1, month=3, day=10))
    Invoice.objects.filter(pk=new.pk).update(issued_on=today.replace(month=1, day=5))
    # when
    years = _get(admin_client, INVOICES)[1]
    months = _get(admin_client, f"{INVOICES}?issued_on__year={today.year - 1}")[1]
    # then
    assert f"issued_on__year={today.year - 1}" in years and f"issued_on__year={today.year}" in years
    assert "issued_on__month=3" in months and "issued_on__month=2" not in months


def test_sidebar_counts_are_queried_once_a_page(admin_client):
    # when
    _, _, sql = _get(admin_client, "/admin/members/member/")
    # then: each badge's count once, though unfold's template asks for it twice
    assert len([q for q in sql if 'FROM "leads_lead" WHERE "leads_lead"."status"' in q]) == 1
    assert len([q for q in sql if 'FROM "support_ticket" WHERE "support_ticket"."status"' in q]) == 1
