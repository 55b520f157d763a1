"""Leave requests in the admin: the request page lists the classes the leave
touches, each with Reassign (only trainers free then are offered), Move and
Cancel; Approve is refused, with the classes named, while any is left; Deny
needs a note. Every step is a core.staff service; the classes services tell
the members, the leave services tell the trainer."""

import contextvars
from types import SimpleNamespace

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from unfold.decorators import action, display

from admin_site.action_forms import detail_action_with_form
from admin_site.base import GymModelAdmin
from admin_site.service_forms import ServiceFormAdminMixin, call_service
from admin_site.staff import TrainerFilter
from admin_site.staff_forms import CancelForm, LeaveAddForm, NoteForm, RequiredNoteForm, RescheduleForm, reassign_form
from core.accounts.models import User
from core.classes.models import ClassSession
from core.staff.models import LeaveRequest
from core.staff.selectors import leave_requests_with_counts, leave_sessions_affected, trainers_free_for
from core.staff.services.leave import (
    leave_approve,
    leave_deny,
    leave_request_create,
    leave_session_cancel,
    leave_session_reassign,
    leave_session_reschedule,
)

SESSION_STEPS = ("reassign", "reschedule", "cancel")
# The request being rendered: a read-only field gets only the object, and the
# ModelAdmin is shared between threads, so it is not kept on ``self``.
_current_request: contextvars.ContextVar = contextvars.ContextVar("leave_admin_request", default=None)


def pending_leave_badge() -> str:
    """Sidebar badge: leave requests waiting for a decision."""
    count = LeaveRequest.objects.filter(status=LeaveRequest.Status.PENDING).count()
    return str(count) if count else ""


@admin.register(LeaveRequest)
class LeaveRequestAdmin(ServiceFormAdminMixin, GymModelAdmin):
    list_display = ["trainer", "period", "status_badge", "to_handle", "created_at", "decided_by"]
    list_filter = ["status", TrainerFilter]
    search_fields = ["trainer__user__first_name", "trainer__user__last_name", "reason"]
    ordering = ["-starts_at"]
    readonly_fields = ["trainer", "starts_at", "ends_at", "reason", "status", "decision_note", "decided_by",
                       "decided_at", "requested_by", "created_at", "affected_classes"]  # fmt: skip
    fieldsets = [
        ("Leave", {"fields": ["trainer", "starts_at", "ends_at", "reason", "requested_by", "created_at"]}),
        ("Classes in this leave", {"fields": ["affected_classes"]}),
        ("Decision", {"fields": ["status", "decision_note", "decided_by", "decided_at"]}),
    ]
    add_fieldsets = [(None, {"fields": ["trainer", "starts_at", "ends_at", "reason"]})]
    actions_detail = ["approve_one", "deny_one"]

    def get_queryset(self, request):
        return leave_requests_with_counts(super().get_queryset(request))

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = LeaveAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    # A request is changed only through its decisions and its classes' steps, never by editing the page.
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request, obj=None):
        return request.user.is_staff and request.user.has_perm("staff.change_leaverequest")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        leave = call_service(
            leave_request_create, trainer=data["trainer"], starts_at=data["starts_at"], ends_at=data["ends_at"],
            reason=data["reason"], by=request.user,
        )  # fmt: skip
        obj.pk = leave.pk
        obj.refresh_from_db()

    # --- the list -------------------------------------------------------------------------

    @display(description="Leave", ordering="starts_at")
    def period(self, obj):
        return str(obj).split(": ", 1)[-1]

    @display(
        description="Status",
        ordering="status",
        label={"PENDING": "warning", "APPROVED": "success", "DENIED": "danger"},
    )
    def status_badge(self, obj):
        return obj.status, obj.get_status_display()

    @display(description="Classes to handle")
    def to_handle(self, obj):
        if obj.status == LeaveRequest.Status.DENIED:
            return "-"
        return obj.affected_count

    # --- the request page -------------------------------------------------------------------

    @display(description="Classes")
    def affected_classes(self, obj):
        sessions = list(leave_sessions_affected(leave=obj))
        request = _current_request.get()
        can_act = (
            request is not None
            and self.has_decide_permission(request, obj)
            and obj.status != LeaveRequest.Status.DENIED
        )
        rows = []
        for session in sessions:
            links = {
                step: reverse("admin:staff_leaverequest_session", args=[obj.pk, session.pk, step])
                for step in SESSION_STEPS
            }
            rows.append({"session": session, "links": links if can_act else None})
        return render_to_string(
            "admin_site/staff/leave_sessions.html",
            {"rows": rows, "leave": obj, "pending": obj.status == LeaveRequest.Status.PENDING},
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        token = _current_request.set(request)  # affected_classes shows step links to those who may decide
        try:
            response = super().change_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()  # while the request is known
            return response
        finally:
            _current_request.reset(token)

    def get_urls(self):
        view = self.admin_site.admin_view(self.session_step_view)
        step = path("<path:object_id>/classes/<int:session_id>/<str:step>/", view, name="staff_leaverequest_session")
        return [step, *super().get_urls()]

    def _leave(self, request, object_id) -> LeaveRequest:
        leave = self.get_object(request, object_id)
        if leave is None:
            raise Http404("No such leave request.")
        return leave

    def session_step_view(self, request, object_id, session_id, step):
        """Reassign, move or cancel one class of the leave."""
        if step not in SESSION_STEPS:
            raise Http404("No such step.")
        if not self.has_decide_permission(request):
            raise PermissionDenied
        leave = self._leave(request, object_id)
        back = reverse("admin:staff_leaverequest_change", args=[leave.pk])
        session = leave_sessions_affected(leave=leave).filter(pk=session_id).first()
        if session is None:
            get_object_or_404(ClassSession, pk=session_id)
            self.message_user(request, "That class no longer needs a decision for this leave.")
            return redirect(back)
        # The page lists the class, not the leave: "1 class session: Yoga on ...".
        page = SimpleNamespace(admin_site=self.admin_site, model=ClassSession, message_user=self.message_user)
        common = {"back_url": back, "success": "Done: {count} class changed."}
        if step == "reassign":
            free = trainers_free_for(session=session)
            intro = (
                "Only trainers who teach nothing else then and are not on leave are listed. "
                "Booked and waitlisted members are told who teaches now."
                if free
                else "No trainer is free at that time: move the class or cancel it instead."
            )
            return detail_action_with_form(
                page, request, session, form_class=reassign_form(free), title="Reassign the class", intro=intro,
                apply=lambda s, data: leave_session_reassign(
                    leave=leave, session=s, instructor=User.objects.get(pk=data["instructor"]), by=request.user
                ),
                submit="Reassign", **common,
            )  # fmt: skip
        if step == "reschedule":
            return detail_action_with_form(
                page, request, session, form_class=RescheduleForm, title="Move the class out of the leave",
                intro="Same length, same trainer; booked and waitlisted members are told the new time.",
                apply=lambda s, data: leave_session_reschedule(
                    leave=leave, session=s, starts_at=data["starts_at"], room=data["room"], reason=data["reason"],
                    by=request.user,
                ),
                submit="Move", **common,
            )  # fmt: skip
        return detail_action_with_form(
            page, request, session, form_class=CancelForm, title="Cancel the class",
            intro="Every booking and waitlist place is cancelled, credits are given back and members are told.",
            apply=lambda s, data: leave_session_cancel(leave=leave, session=s, reason=data["reason"], by=request.user),
            submit="Cancel the class", **common,
        )  # fmt: skip

    # --- decisions ----------------------------------------------------------------------------

    def get_actions_detail(self, request, object_id):
        pending = LeaveRequest.objects.filter(
            pk=object_id if str(object_id).isdigit() else None, status=LeaveRequest.Status.PENDING
        ).exists()
        return super().get_actions_detail(request, object_id) if pending else []

    def _decide(self, request, object_id, **kwargs):
        leave = self._leave(request, object_id)
        back = reverse("admin:staff_leaverequest_change", args=[leave.pk])
        return detail_action_with_form(self, request, leave, back_url=back, **kwargs)

    @action(description="Approve", url_path="approve", permissions=["decide"], icon="check_circle")
    def approve_one(self, request, object_id):
        return self._decide(
            request, object_id, form_class=NoteForm, title="Approve the leave",
            intro="Approval needs every class in the leave reassigned, moved or cancelled first. "
            "The trainer gets an email.",
            apply=lambda leave, data: leave_approve(leave=leave, by=request.user, note=data["note"]),
            success="Leave approved; the trainer is told.", submit="Approve",
        )  # fmt: skip

    @action(description="Deny", url_path="deny", permissions=["decide"], icon="block")
    def deny_one(self, request, object_id):
        return self._decide(
            request, object_id, form_class=RequiredNoteForm, title="Deny the leave",
            intro="The trainer's classes stay as they are; the trainer gets an email with your note.",
            apply=lambda leave, data: leave_deny(leave=leave, by=request.user, note=data["note"]),
            success="Leave denied; the trainer is told.", submit="Deny",
        )  # fmt: skip
