from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from core.accounts.models import User
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
    return render(request, "portal/member_home.html")


@role_required(User.Role.TRAINER)
@require_GET
def trainer_home(request):
    return render(request, "portal/trainer_home.html")
