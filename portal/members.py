"""Member photos: streamed after an access check, never from a public media URL."""

from django.http import Http404
from django.views.decorators.http import require_GET

from core.accounts.models import User
from core.members.models import Member
from portal.access import role_required
from portal.files import private_file_response


def can_see_photo(user, member: Member) -> bool:
    """The member, their assigned trainer, and admins or support staff allowed to view members.
    A soft-deleted member's photo is for staff only."""
    if user.role in User.STAFF_ROLES and user.has_perm("members.view_member"):
        return True
    if member.deleted_at is not None:
        return False
    return user.pk in (member.user_id, member.assigned_trainer_id)


@require_GET
@role_required(*User.Role, object="the member, their assigned trainer, staff with members.view_member")
def member_photo(request, code: str):
    member = (
        Member.all_objects.filter(code=code)
        .only("pk", "code", "photo", "user_id", "assigned_trainer_id", "deleted_at")
        .first()
    )
    # 404 rather than 403 for everything refused: a stranger learns nothing about which codes exist.
    if member is None or not member.photo or not can_see_photo(request.user, member):
        raise Http404("No photo here.")
    return private_file_response(
        member.photo, content_type="image/jpeg", filename=f"{member.code}.jpg", missing="No photo here.",
        cache="private, max-age=600", sandbox=False,
    )  # fmt: skip
