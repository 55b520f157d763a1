from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from core.accounts.models import User
from core.classes.selectors import member_credits_left
from core.members.models import Member
from core.memberships.selectors import membership_snapshot
from portal.access import public, role_required


@public
@require_GET
def landing(request):
    return render(request, "portal/landing.html")


@login_required
@require_GET
def home(request):
    """Send each person to their side of GymOS."""
    role = request.user.role
    if role == User.Role.MEMBER:
        return redirect("portal:member_home")
    if role == User.Role.TRAINER:
        return redirect("portal:trainer_home")
    return redirect("admin:index")


home.access_rule = {"authenticated": True}


@role_required(User.Role.MEMBER)
@require_GET
def member_home(request):
    """The member's own page: code, photo and the membership snapshot (read-only)."""
    member = Member.objects.filter(user=request.user).first()
    snapshot = membership_snapshot(member=member) if member is not None else None
    credits_left = member_credits_left(member=member) if member is not None else 0
    return render(
        request, "portal/member_home.html", {"member": member, "snapshot": snapshot, "credits_left": credits_left}
    )
