"""The member admin: list (fixed queries), search and filters, the member page,
adding and editing through the services. Actions: test_member_admin_actions.py."""

import datetime

import pytest
from django.utils import timezone

from core.accounts.models import User
from core.members.models import Member
from core.members.services import member_set_photo
from core.notifications.models import Message
from fixtures.factories import (
    FacilityFactory,
    HealthFlagFactory,
    MemberFactory,
    MembershipFactory,
    PlanFactory,
    TrainerUserFactory,
)
from tests.admin_site.member_pages import (
    ADD_URL,
    LIST_URL,
    add_form,
    change_form,
    change_url,
    image_upload,
    make_members,
    text_as_jpg,
)
from tests.support.responses import get_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": None},
        },
    }
    return tmp_path


@pytest.fixture
def member():
    return MembershipFactory(member__phone="+8801711000001").member


# --- pages render ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin_user", "support_user"])
def test_member_pages_render_for_staff(client, request, role, private_media):
    # given
    member = MembershipFactory().member
    member_set_photo(member=member, upload=image_upload())
    plan_id = member.memberships.get().plan_id
    client.force_login(request.getfixturevalue(role))
    paths = [
        LIST_URL,
        f"{LIST_URL}?deleted=1",
        f"{LIST_URL}?plan={plan_id}",
        f"{LIST_URL}?expiring=7",
        f"{LIST_URL}?expiring=expired",
        f"{LIST_URL}?status__exact=ACTIVE",
        ADD_URL,
        change_url(member),
        f"/admin/members/member/{member.pk}/history/",
        f"/admin/members/member/{member.pk}/freeze/",
        f"/admin/members/member/{member.pk}/renew/",
        f"/admin/members/member/{member.pk}/deactivate/",
        "/admin/members/healthflag/",
    ]
    # when / then
    for path in paths:
        assert client.get(path).status_code == 200, path


def test_member_page_shows_snapshot_and_protected_photo(client, admin_user, private_media):
    # given
    plan = PlanFactory(name="Quarterly Gold", perks="Towel service", facilities=[FacilityFactory(name="Pool")])
    member = MembershipFactory(plan=plan).member
    member_set_photo(member=member, upload=image_upload())
    client.force_login(admin_user)
    # when
    page = client.get(change_url(member)).content.decode()
    # then
    assert "Quarterly Gold" in page
    assert "Pool" in page and "Towel service" in page
    assert "days left" in page
    assert f"/portal/members/{member.code}/photo/" in page
    assert "/media/" not in page and "members/photos/" not in page
    assert f"/admin/accounts/user/{member.user_id}/change/" in page


def test_snapshot_html_is_escaped(client, admin_user):
    # given: a plan name an attacker could have typed
    member = MembershipFactory(plan=PlanFactory(name="<script>alert(1)</script>")).member
    client.force_login(admin_user)
    # when
    page = client.get(change_url(member)).content.decode()
    # then
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- the list -------------------------------------------------------------------------


def test_member_list_runs_in_a_fixed_number_of_queries(client, admin_user):
    # given
    client.force_login(admin_user)
    make_members(5)
    client.get(LIST_URL)  # warm caches (content types, session)
    with_5 = get_queries(client, LIST_URL)
    # when
    make_members(25)
    with_30 = get_queries(client, LIST_URL)
    # then
    assert with_30 == with_5
    assert with_5 <= 15


def test_member_list_shows_plan_end_date_and_trainer(client, admin_user):
    # given
    trainer = TrainerUserFactory(first_name="Tanvir", last_name="Ahmed")
    plan = PlanFactory(name="Annual Platinum")
    member = MemberFactory(assigned_trainer=trainer)
    term = MembershipFactory(member=member, plan=plan)
    client.force_login(admin_user)
    # when
    page = client.get(LIST_URL).content.decode()
    # then
    assert member.code in page
    assert "Annual Platinum" in page
    assert f"{term.ends_on:%d %b %Y}" in page
    assert "Tanvir Ahmed" in page


@pytest.mark.parametrize("field", ["code", "first_name", "last_name", "email", "phone"])
def test_search_finds_members_by_name_code_phone_and_email(client, admin_user, member, field):
    # given
    other = MemberFactory()
    term = {
        "code": member.code,
        "first_name": member.user.first_name,
        "last_name": member.user.last_name,
        "email": member.user.email,
        "phone": "01711000001",
    }[field]
    client.force_login(admin_user)
    # when
    page = client.get(LIST_URL, {"q": term}).content.decode()
    # then
    assert member.code in page
    assert other.code not in page


def test_plan_filter_is_the_plans_roster(client, admin_user):
    # given
    gold, silver = PlanFactory(name="Gold"), PlanFactory(name="Silver")
    on_gold = MembershipFactory(plan=gold).member
    on_silver = MembershipFactory(plan=silver).member
    client.force_login(admin_user)
    # when
    page = client.get(LIST_URL, {"plan": gold.pk}).content.decode()
    # then
    assert on_gold.code in page
    assert on_silver.code not in page


def test_expiring_filter_finds_memberships_ending_soon(client, admin_user):
    # given
    today = timezone.localdate()
    plan = PlanFactory(interval_unit="DAY", interval_count=5)
    ending = MembershipFactory(plan=plan, starts_on=today - datetime.timedelta(days=1)).member  # ends in 3 days
    later = MembershipFactory(plan=PlanFactory(interval_unit="YEAR")).member
    lapsed = MembershipFactory(plan=plan, starts_on=today - datetime.timedelta(days=30)).member
    client.force_login(admin_user)
    # when
    week = client.get(LIST_URL, {"expiring": "7"}).content.decode()
    expired = client.get(LIST_URL, {"expiring": "expired"}).content.decode()
    # then
    assert ending.code in week and later.code not in week and lapsed.code not in week
    assert lapsed.code in expired and ending.code not in expired


def test_trainer_and_health_flag_filters(client, admin_user):
    # given
    trainer = TrainerUserFactory()
    asthma = HealthFlagFactory(name="Asthma")
    coached = MemberFactory(assigned_trainer=trainer)
    flagged = MemberFactory(health_flags=[asthma])
    client.force_login(admin_user)
    # when
    by_trainer = client.get(LIST_URL, {"assigned_trainer__id__exact": trainer.pk}).content.decode()
    by_flag = client.get(LIST_URL, {"health_flags__id__exact": asthma.pk}).content.decode()
    # then
    assert coached.code in by_trainer and flagged.code not in by_trainer
    assert flagged.code in by_flag and coached.code not in by_flag


# --- adding and editing -----------------------------------------------------------------


def test_adding_a_member_provisions_the_login_and_sells_the_first_plan(
    client, admin_user, django_capture_on_commit_callbacks
):
    # given
    plan = PlanFactory(name="Monthly")
    client.force_login(admin_user)
    # when
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(ADD_URL, add_form(initial_plan=plan.pk), follow=True)
    # then
    assert response.status_code == 200
    member = Member.objects.get(user__email="nadia@example.com")
    assert member.code.startswith("M")
    assert member.phone == "+8801712345678"
    assert member.user.role == User.Role.MEMBER and member.user.must_change_password
    assert Message.objects.filter(user=member.user, template="welcome").count() == 1
    term = member.memberships.get()
    assert (term.plan, term.starts_on, term.created_by) == (plan, timezone.localdate(), admin_user)
    # the term is invoiced at the plan price; the member is active once it is paid
    assert term.invoice is not None and term.invoice.total == plan.price
    assert member.status == Member.Status.INACTIVE
    assert "A welcome email with a temporary password is on its way to nadia@example.com." in response.content.decode()


def test_support_can_add_a_member(client, support_user):
    client.force_login(support_user)
    response = client.post(ADD_URL, add_form())
    assert response.status_code == 302
    assert Member.objects.filter(user__email="nadia@example.com").exists()


def test_adding_with_a_text_file_as_photo_writes_nothing(client, admin_user, private_media):
    # given
    client.force_login(admin_user)
    # when
    response = client.post(ADD_URL, {**add_form(), "photo_upload": text_as_jpg()})
    # then: the form comes back with the reason, and no half-made member
    assert response.status_code == 200
    assert "This file is not an image we can read" in response.content.decode()
    assert 'value="nadia@example.com"' in response.content.decode()
    assert not User.objects.filter(email="nadia@example.com").exists()
    assert not Member.all_objects.exists()
    assert not Message.objects.exists()
    assert list(private_media.rglob("*.*")) == []


def test_adding_with_a_taken_email_shows_the_error_on_the_field(client, admin_user, member):
    client.force_login(admin_user)
    response = client.post(ADD_URL, add_form(email=member.user.email))
    assert response.status_code == 200
    assert f"An account with the email {member.user.email} already exists." in response.content.decode()
    assert Member.objects.count() == 1


def test_adding_with_a_bad_phone_is_refused(client, admin_user):
    client.force_login(admin_user)
    response = client.post(ADD_URL, add_form(phone="12"))
    assert response.status_code == 200
    assert "is not a phone number we can use" in response.content.decode()
    assert not User.objects.filter(email="nadia@example.com").exists()


def test_editing_goes_through_member_update_and_keeps_history(client, admin_user, member):
    # given
    trainer = TrainerUserFactory()
    client.force_login(admin_user)
    # when
    response = client.post(change_url(member), change_form(member, phone="01811 222333", assigned_trainer=trainer.pk))
    # then
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.phone == "+8801811222333"
    assert member.assigned_trainer == trainer
    assert member.history.latest().history_user == admin_user


def test_a_bad_photo_on_edit_changes_nothing(client, admin_user, member, private_media):
    # given
    client.force_login(admin_user)
    # when
    response = client.post(
        change_url(member), {**change_form(member, phone="01811222333"), "photo_upload": text_as_jpg()}
    )
    # then
    assert response.status_code == 200
    assert "This file is not an image we can read" in response.content.decode()
    member.refresh_from_db()
    assert member.phone == "+8801711000001"
    assert not member.photo
    assert list(private_media.rglob("*.*")) == []


def test_a_good_photo_is_stored_privately(client, admin_user, member, private_media):
    client.force_login(admin_user)
    response = client.post(change_url(member), {**change_form(member), "photo_upload": image_upload()})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.photo.name.startswith("members/photos/")
    assert (private_media / member.photo.name).exists()


def test_a_taken_fingerprint_id_is_a_form_error(client, admin_user, member):
    MemberFactory(biometric_id="7")
    client.force_login(admin_user)
    response = client.post(change_url(member), change_form(member, biometric_id="7"))
    assert response.status_code == 200
    assert "Member with this Fingerprint user ID already exists." in response.content.decode()


@pytest.mark.parametrize("role", ["admin_user", "support_user"])
def test_sidebar_lists_the_member_pages(client, request, role):
    client.force_login(request.getfixturevalue(role))
    page = client.get("/admin/").content.decode()
    for link in [
        'href="/admin/members/member/"',
        'href="/admin/members/member/?deleted=1"',
        'href="/admin/memberships/plan/"',
        'href="/admin/memberships/facility/"',
        'href="/admin/members/healthflag/"',
        'href="/admin/memberships/membership/"',
        'href="/admin/memberships/membershipfreeze/"',
    ]:
        assert link in page, link
