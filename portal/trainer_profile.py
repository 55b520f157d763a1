"""The trainer's own profile (bio, specialties, certificates) and leave.

Nothing here shows the hourly rate: it is not in any form, context or
template of the portal (a test renders every trainer page to prove it).
Certificate files are streamed after an access check: the trainer
themselves, and staff allowed to view certifications.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.accounts.models import User
from core.staff.models import Certification, Trainer
from core.staff.selectors import certification_state, leave_requests_of, leave_sessions_affected, trainer_of
from core.staff.services.accounts import trainer_profile_ensure, trainer_profile_update
from core.staff.services.certifications import certification_add
from core.staff.services.leave import leave_request_create
from portal.access import role_required
from portal.files import private_file_response
from portal.trainer import add_errors, trainer_only

CERTIFICATE_HELP = "A PDF or a photo/scan (JPEG, PNG, WebP), up to 10 MB."
_LOCAL = {"input_formats": ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]}


class ProfileForm(forms.Form):
    bio = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))
    specialties = forms.CharField(
        required=False, max_length=255, help_text="Comma-separated, e.g. strength, mobility, weight loss."
    )


class CertificationForm(forms.Form):
    title = forms.CharField(max_length=120)
    issuer = forms.CharField(max_length=120, required=False)
    expires_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Leave empty if it does not expire."
    )
    file = forms.FileField(
        label="Certificate file",
        help_text=CERTIFICATE_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png,image/webp"}),
    )


class LeaveForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="From", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"), **_LOCAL
    )
    ends_at = forms.DateTimeField(
        label="Until", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"), **_LOCAL
    )
    reason = forms.CharField(max_length=255, help_text="e.g. holiday, family event, course.")


def _profile_page(request, *, profile_form=None, cert_form=None, status: int = 200):
    trainer = trainer_of(request.user) or Trainer(user=request.user)
    certifications = list(trainer.certifications.all()) if trainer.pk else []
    for certification in certifications:
        certification.state = certification_state(certification)
    context = {
        "trainer": trainer,
        "certifications": certifications,
        "profile_form": profile_form or ProfileForm(initial={"bio": trainer.bio, "specialties": trainer.specialties}),
        "cert_form": cert_form or CertificationForm(),
    }
    return render(request, "portal/trainer/profile.html", context, status=status)


@trainer_only
@never_cache
@require_http_methods(["GET", "POST"])
def profile(request):
    if request.method == "GET":
        return _profile_page(request)
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            trainer = trainer_profile_ensure(user=request.user)
            trainer_profile_update(trainer=trainer, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Profile saved.")
            return redirect("portal:trainer_profile")
    return _profile_page(request, profile_form=form, status=400)


@trainer_only
@require_POST
def certification_upload(request):
    form = CertificationForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            certification_add(
                trainer=trainer_profile_ensure(user=request.user), title=data["title"], issuer=data["issuer"],
                expires_on=data["expires_on"], upload=data["file"], by=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Certificate added.")
            return redirect("portal:trainer_profile")
    return _profile_page(request, cert_form=form, status=400)


def _may_download(user, certification: Certification) -> bool:
    if user.role == User.Role.TRAINER:
        return certification.trainer.user_id == user.pk
    return user.is_staff and user.has_perm("staff.view_certification")


@require_GET
@role_required(
    User.Role.TRAINER, *User.STAFF_ROLES, object="the certificate's trainer; staff with staff.view_certification"
)
def certification_file(request, pk: int):
    """A certificate file, from private storage, for its trainer and staff only."""
    certification = Certification.objects.select_related("trainer").filter(pk=pk).exclude(file="").first()
    # 404 for everything refused: nobody learns which certificates exist.
    if certification is None or not _may_download(request.user, certification):
        raise Http404("No file here.")
    extension = certification.file.name.rsplit(".", 1)[-1]
    return private_file_response(
        certification.file, content_type=certification.file_type or "application/octet-stream",
        as_attachment=True, filename=f"certificate-{certification.pk}.{extension}", missing="No file here.",
        cache="private, no-store",
    )  # fmt: skip


def _leave_page(request, *, form=None, status: int = 200):
    leaves = list(leave_requests_of(user=request.user).select_related("trainer__user"))
    for leave in leaves:
        leave.affected = list(leave_sessions_affected(leave=leave)) if leave.status == leave.Status.PENDING else []
    return render(request, "portal/trainer/leave.html", {"leaves": leaves, "form": form or LeaveForm()}, status=status)


@trainer_only
@never_cache
@require_http_methods(["GET", "POST"])
def leave(request):
    if request.method == "GET":
        return _leave_page(request)
    form = LeaveForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            created = leave_request_create(
                trainer=trainer_profile_ensure(user=request.user), starts_at=data["starts_at"],
                ends_at=data["ends_at"], reason=data["reason"], by=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            count = leave_sessions_affected(leave=created).count()
            touched = f" It touches {count} of your classes; the gym decides what happens to them." if count else ""
            messages.success(request, f"Leave requested.{touched}")
            return redirect("portal:trainer_leave")
    return _leave_page(request, form=form, status=400)
