"""The actions of the class session admin (mixed into ClassSessionAdmin):
reschedule (one class: new start, room, reason), cancel (reason) and clear
the review flag, on the list and on a session's page, each through its
core.classes service; and the roster page (classes_roster.py). Moving or
cancelling needs classes.change_classsession (admins); the roster needs view.
"""

from functools import partial

from django import forms
from django.contrib import messages
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from unfold.decorators import action
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminSplitDateTimeWidget, UnfoldAdminTextareaWidget

from admin_site.action_forms import (
    ConfirmForm,
    ReasonForm,
    apply_to_each,
    bulk_action_with_form,
    detail_action_with_form,
)
from admin_site.classes_roster import roster_view
from core.classes.models import ClassSession, Room
from core.classes.services.sessions import session_cancel, session_reschedule, session_review_clear

MANAGE = "classes.change_classsession"


class HourMinuteSplitWidget(UnfoldAdminSplitDateTimeWidget):
    """Shows the time as 18:00, not 18:00:00."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.widgets[1].format = "%H:%M"


class RescheduleForm(forms.Form):
    starts_at = forms.SplitDateTimeField(
        label="New start", widget=HourMinuteSplitWidget, help_text="Gym time; the class keeps its length."
    )
    room = forms.ModelChoiceField(
        queryset=Room.objects.filter(is_active=True),
        required=False,
        widget=UnfoldAdminSelectWidget,
        help_text="Leave empty to keep the room.",
    )
    reason = forms.CharField(
        max_length=255,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text="Every booked and waitlisted member reads it in their email.",
    )


class SessionActionsMixin:
    """Actions of ClassSessionAdmin; each calls a service per session."""

    def has_manage_permission(self, request, obj=None):
        return request.user.has_perm(MANAGE)

    # --- actions on the list ---------------------------------------------------------------

    def _reschedule_form(self, session: ClassSession):
        start = timezone.localtime(session.starts_at)
        return partial(RescheduleForm, initial={"starts_at": start.replace(tzinfo=None), "room": session.room_id})

    def _reschedule(self, session, data, request):
        return session_reschedule(
            session=session, starts_at=data["starts_at"], room=data["room"], reason=data["reason"], by=request.user
        )

    @action(description="Reschedule (one class)", permissions=["manage"])
    def reschedule(self, request, queryset):
        sessions = list(queryset[:2])
        if len(sessions) != 1:
            self.message_user(request, "Choose exactly one class to reschedule.", messages.WARNING)
            return None
        return bulk_action_with_form(
            self, request, queryset, form_class=self._reschedule_form(sessions[0]), title="Reschedule the class",
            intro="Moves the class to a new time (and room). Bookings and the waitlist stay; "
            "each member gets one email with the reason.",
            apply=lambda session, data: self._reschedule(session, data, request),
            success="Class rescheduled; its members are being told.", submit="Reschedule",
        )  # fmt: skip

    @action(description="Cancel classes (with a reason)", permissions=["manage"])
    def cancel_sessions(self, request, queryset):
        return bulk_action_with_form(
            self, request, queryset, form_class=ReasonForm, title="Cancel classes",
            intro="Every booking and waitlist place is cancelled, class credits are given back, "
            "and each member gets one email with the reason.",
            apply=lambda session, data: session_cancel(session=session, reason=data["reason"], by=request.user),
            success="{count} class(es) cancelled; their members are being told.", submit="Cancel classes",
        )  # fmt: skip

    @action(description="Clear the review flag (keep as is)", permissions=["manage"])
    def clear_review(self, request, queryset):
        apply_to_each(
            request, self, queryset.filter(needs_review=True),
            lambda session, data: session_review_clear(session=session, by=request.user), {},
            "{count} class(es) kept as they are.",
        )  # fmt: skip

    # --- actions on a session's page ---------------------------------------------------------

    def get_actions_detail(self, request, object_id):
        # Offer what fits the class: nothing to move or cancel once it started or was cancelled.
        actions = super().get_actions_detail(request, object_id)
        session = ClassSession.objects.filter(pk=object_id if str(object_id).isdigit() else None).first()
        if session is None:
            return actions
        changeable = session.status == ClassSession.Status.SCHEDULED and session.starts_at > timezone.now()
        hidden = set() if changeable else {"reschedule_one", "cancel_one"}
        if not session.needs_review:
            hidden.add("clear_review_one")
        return [a for a in actions if a.action_name.removeprefix("classes_classsession_") not in hidden]

    def _session(self, request, object_id) -> ClassSession:
        session = self.get_object(request, object_id)
        if session is None:
            raise Http404("No such class.")
        return session

    def _detail(self, request, object_id, **kwargs):
        session = self._session(request, object_id)
        back = reverse("admin:classes_classsession_roster", args=[session.pk])
        return detail_action_with_form(self, request, session, back_url=back, **kwargs)

    @action(description="Roster", url_path="roster", permissions=["view"], icon="groups")
    def roster(self, request, object_id):
        return roster_view(self, request, self._session(request, object_id))

    @action(description="Reschedule", url_path="reschedule", permissions=["manage"], icon="event_repeat")
    def reschedule_one(self, request, object_id):
        session = self._session(request, object_id)
        return self._detail(
            request, object_id, form_class=self._reschedule_form(session), title="Reschedule the class",
            intro="Moves the class to a new time (and room). Bookings and the waitlist stay; "
            "each member gets one email with the reason.",
            apply=lambda session, data: self._reschedule(session, data, request),
            success="Class rescheduled; its members are being told.", submit="Reschedule",
        )  # fmt: skip

    @action(description="Cancel class", url_path="cancel", permissions=["manage"], icon="event_busy")
    def cancel_one(self, request, object_id):
        return self._detail(
            request, object_id, form_class=ReasonForm, title="Cancel the class",
            intro="Every booking and waitlist place is cancelled, class credits are given back, "
            "and each member gets one email with the reason.",
            apply=lambda session, data: session_cancel(session=session, reason=data["reason"], by=request.user),
            success="Class cancelled; its members are being told.", submit="Cancel the class",
        )  # fmt: skip

    @action(description="Clear review", url_path="clear-review", permissions=["manage"], icon="task_alt")
    def clear_review_one(self, request, object_id):
        return self._detail(
            request, object_id, form_class=ConfirmForm, title="Keep the class as it is",
            intro="The schedule changed after members booked this class; it kept its details. "
            "Clearing the flag keeps it that way (reschedule or cancel it instead to change it).",
            apply=lambda session, data: session_review_clear(session=session, by=request.user),
            success="Review flag cleared.", submit="Keep as is",
        )  # fmt: skip
