"""Member support tickets in the portal: open one, read the thread, reply,
close. Every lookup goes through the member's own tickets, so another
member's ticket or image is a 404 (ids cannot be probed)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.accounts.models import User
from core.members.models import Member
from core.support.models import BODY_MAX, SUBJECT_MAX, Ticket, TicketReply
from core.support.selectors import ticket_thread, tickets_of, tickets_with_counts
from core.support.services import ticket_close, ticket_open, ticket_reply
from portal.access import role_required
from portal.files import private_file_response

member_only = role_required(User.Role.MEMBER)
IMAGE_HELP = "A screenshot or photo: JPEG, PNG or WebP, up to 5 MB."


def _image_field() -> forms.FileField:
    # A plain FileField: the content check (and its clear message) is the service's.
    return forms.FileField(
        label="Image",
        required=False,
        help_text=IMAGE_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class TicketForm(forms.Form):
    subject = forms.CharField(max_length=SUBJECT_MAX)
    category = forms.ChoiceField(choices=[("", "Choose one"), *Ticket.Category.choices])
    body = forms.CharField(label="Message", max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 6}))
    attachment = _image_field()


class ReplyForm(forms.Form):
    body = forms.CharField(label="Your reply", max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 4}))
    attachment = _image_field()


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _my_ticket(request, pk: int) -> Ticket:
    return get_object_or_404(tickets_of(user=request.user).select_related("member"), pk=pk)


@member_only
@never_cache
@require_GET
def ticket_list(request):
    tickets = tickets_with_counts(tickets_of(user=request.user)).order_by("status", "-last_reply_at")
    return render(request, "portal/support/ticket_list.html", {"tickets": tickets})


@member_only
@never_cache
@require_http_methods(["GET", "POST"])
def ticket_new(request):
    member = Member.objects.filter(user=request.user).first()
    if member is None:
        messages.error(request, "Your account has no member profile yet; please ask at the front desk.")
        return redirect("portal:support")
    form = TicketForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = ticket_open(
                member=member,
                subject=data["subject"],
                category=data["category"],
                body=data["body"],
                attachment=data["attachment"],
                by=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Your ticket is open. We will reply here and by email.")
            return redirect("portal:support_ticket", pk=ticket.pk)
    return render(request, "portal/support/ticket_new.html", {"form": form})


def _detail(request, ticket: Ticket, form: ReplyForm, status: int = 200):
    context = {"ticket": ticket, "replies": ticket_thread(ticket=ticket), "form": form}
    return render(request, "portal/support/ticket_detail.html", context, status=status)


@member_only
@never_cache
@require_GET
def ticket_detail(request, pk: int):
    return _detail(request, _my_ticket(request, pk), ReplyForm())


@member_only
@require_POST
def ticket_reply_view(request, pk: int):
    ticket = _my_ticket(request, pk)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            ticket_reply(
                ticket=ticket,
                author=request.user,
                body=form.cleaned_data["body"],
                attachment=form.cleaned_data["attachment"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, "Reply sent." if not ticket.is_closed else "Reply sent; the ticket is open again."
            )
            return redirect("portal:support_ticket", pk=ticket.pk)
    return _detail(request, ticket, form, status=400)


@member_only
@require_POST
def ticket_close_view(request, pk: int):
    ticket = _my_ticket(request, pk)
    try:
        ticket_close(ticket=ticket, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Ticket closed. Reply any time to open it again.")
    return redirect("portal:support_ticket", pk=ticket.pk)


def _may_see_attachment(user, reply: TicketReply) -> bool:
    if user.role == User.Role.MEMBER:
        return reply.ticket.member.user_id == user.pk
    return user.has_perm("support.view_ticket")


@require_GET
@role_required(
    User.Role.MEMBER, *User.STAFF_ROLES, object="the member who owns the ticket; staff with support.view_ticket"
)
def ticket_attachment(request, pk: int):
    """The image of a reply, streamed from private storage after the access check."""
    reply = TicketReply.objects.select_related("ticket__member").filter(pk=pk).exclude(attachment="").first()
    # 404 for everything refused: nobody learns which images exist.
    if reply is None or not _may_see_attachment(request.user, reply):
        raise Http404("No image here.")
    return private_file_response(
        reply.attachment, content_type=reply.attachment_type or "application/octet-stream",
        missing="No image here.", cache="private, max-age=600",
    )  # fmt: skip
