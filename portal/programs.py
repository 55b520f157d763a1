"""A member's current workout program and diet plan: read-only, printable
(the page carries its own print stylesheet). Written by their trainer."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.accounts.models import User
from core.members.models import Member
from core.programs.selectors import programs_of
from portal.access import role_required


@role_required(User.Role.MEMBER)
@never_cache
@require_GET
def my_programs(request):
    member = Member.objects.filter(user=request.user).select_related("assigned_trainer").first()
    workout, diet = programs_of(member=member) if member is not None else (None, None)
    context = {"member": member, "workout": workout, "diet": diet}
    return render(request, "portal/programs/my_programs.html", context)
