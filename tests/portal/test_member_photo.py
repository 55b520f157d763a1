"""Member photos: served only to the member, their trainer and staff; 404 for everyone else."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.members.services import member_set_photo, member_soft_delete
from fixtures.factories import MemberFactory, SupportFactory, TrainerUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
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


def with_photo(**kwargs):
    member = MemberFactory(**kwargs)
    out = io.BytesIO()
    Image.new("RGB", (640, 480), color=(10, 160, 90)).save(out, format="PNG")
    return member_set_photo(member=member, upload=SimpleUploadedFile("me.png", out.getvalue()))


def photo_url(member) -> str:
    return f"/portal/members/{member.code}/photo/"


def fetch(client, user, member):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(photo_url(member))


@pytest.fixture
def trainer():
    return TrainerUserFactory()


@pytest.fixture
def member_a(trainer):
    return with_photo(assigned_trainer=trainer)


def test_the_member_gets_their_own_photo_privately(client, member_a):
    # when
    response = fetch(client, member_a.user, member_a)
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"].startswith("private")
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)
    assert Image.open(io.BytesIO(body)).format == "JPEG"


def test_member_a_cannot_fetch_member_bs_photo(client, member_a):
    member_b = with_photo()
    assert fetch(client, member_a.user, member_b).status_code == 404


def test_trainer_of_the_member_can_and_another_trainer_cannot(client, member_a, trainer):
    assert fetch(client, trainer, member_a).status_code == 200
    assert fetch(client, TrainerUserFactory(), member_a).status_code == 404


@pytest.mark.parametrize("role", ["support_user", "admin_user"])
def test_staff_can(client, request, role, member_a):
    assert fetch(client, request.getfixturevalue(role), member_a).status_code == 200


def test_support_without_the_view_member_permission_cannot(client, member_a):
    # given: support staff whose role group was taken away
    support = SupportFactory()
    support.groups.clear()
    # when / then
    assert fetch(client, support, member_a).status_code == 404


def test_anonymous_is_sent_to_login(client, member_a):
    response = fetch(client, None, member_a)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={photo_url(member_a)}"


def test_unknown_codes_and_members_without_photo_are_404(client, admin_user):
    no_photo = MemberFactory()
    client.force_login(admin_user)
    assert client.get("/portal/members/M99999/photo/").status_code == 404
    assert client.get(photo_url(no_photo)).status_code == 404


def test_a_deleted_members_photo_is_for_staff_only(client, member_a, trainer, support_user):
    # given
    member_soft_delete(member=member_a)
    # when / then
    assert fetch(client, trainer, member_a).status_code == 404
    assert fetch(client, support_user, member_a).status_code == 200


def test_photo_view_refuses_post(client, member_a):
    client.force_login(member_a.user)
    assert client.post(photo_url(member_a)).status_code == 405
