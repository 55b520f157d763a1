"""Support tickets: members open them and reply from the portal; staff reply,
assign and change their status from the admin. Each staff reply emails the
member once (outbox, dedupe key per reply)."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.members.models import Member
from core.notifications.services import message_queue
from core.support.attachments import prepare_attachment
from core.support.models import BODY_MAX, Ticket, TicketReply

REPLY_TEMPLATE = "ticket_reply"


def _is_ticket_member(user: User, ticket: Ticket) -> bool:
    return user is not None and ticket.member.user_id == user.pk


@dataclass
class _ReplyInput:
    body: str
    image: ContentFile | None = None
    image_type: str = ""


def _reply_input(*, body: str, attachment, errors: dict) -> _ReplyInput:
    """Check a message and its image; problems go to ``errors`` so a form shows them all at once."""
    reply = _ReplyInput(body=(body or "").strip())
    if not reply.body:
        errors["body"] = ["Write a message."]
    elif len(reply.body) > BODY_MAX:
        errors["body"] = [f"Keep the message under {BODY_MAX} characters (it has {len(reply.body)})."]
    if attachment:
        try:
            reply.image, reply.image_type = prepare_attachment(attachment)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    return reply


def _save_reply(*, ticket: Ticket, author: User, by_staff: bool, data: _ReplyInput) -> TicketReply:
    reply = TicketReply(
        ticket=ticket, author=author, by_staff=by_staff, body=data.body, attachment_type=data.image_type
    )
    reply.full_clean(exclude=["attachment"])
    # The file is written last, once everything was checked.
    if data.image is not None:
        reply.attachment.save(data.image.name, data.image, save=False)
    reply.save()
    return reply


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().select_related("member").get(pk=ticket.pk)


@transaction.atomic
def ticket_open(*, member: Member, subject: str, category: str, body: str, by: User, attachment=None) -> Ticket:
    """A member opens a ticket; their message (and image) is the first reply."""
    member = Member.all_objects.select_related("user").get(pk=member.pk)  # fresh: deleted meanwhile?
    if member.deleted_at is not None or member.user_id is None or not member.user.is_active:
        raise ValidationError("This member can no longer open tickets.")
    if by.pk != member.user_id:
        raise ValidationError("Members open tickets for themselves only.")
    ticket = Ticket(member=member, subject=(subject or "").strip(), category=category, last_reply_at=timezone.now())
    errors: dict = {}
    try:
        ticket.full_clean()
    except ValidationError as exc:
        errors = exc.message_dict
    data = _reply_input(body=body, attachment=attachment, errors=errors)
    if errors:
        raise ValidationError(errors)
    ticket.save()
    _save_reply(ticket=ticket, author=by, by_staff=False, data=data)
    return ticket


@transaction.atomic
def ticket_reply(*, ticket: Ticket, author: User, body: str, attachment=None) -> TicketReply:
    """Add a reply. A staff reply waits for the member and emails them; a
    member's reply puts the ticket back in the staff queue (reopening it)."""
    ticket = _locked(ticket)
    if author.is_staff:
        by_staff = True
    elif _is_ticket_member(author, ticket):
        by_staff = False
    else:
        raise ValidationError("Only the member who opened this ticket or staff can reply to it.")
    errors: dict = {}
    data = _reply_input(body=body, attachment=attachment, errors=errors)
    if errors:
        raise ValidationError(errors)
    reply = _save_reply(ticket=ticket, author=author, by_staff=by_staff, data=data)
    ticket.status = Ticket.Status.WAITING if by_staff else Ticket.Status.OPEN
    ticket.closed_at = None
    ticket.last_reply_at = reply.at
    ticket.save(update_fields=["status", "closed_at", "last_reply_at", "updated_at"])
    if by_staff:
        _email_member(ticket=ticket, reply=reply)
    return reply


def _email_member(*, ticket: Ticket, reply: TicketReply) -> None:
    user = ticket.member.user
    if user is None or not user.is_active:
        return  # purged or blocked: nobody to write to
    message_queue(
        template=REPLY_TEMPLATE,
        recipient=user.email,
        user=user,
        dedupe_key=f"ticket-reply:{reply.pk}",
        context={
            "first_name": user.first_name,
            "ticket_id": ticket.pk,
            "subject": ticket.subject,
            "body": reply.body,
            "has_image": bool(reply.attachment),
            "staff_name": reply.author.first_name if reply.author_id else "",
        },
    )


@transaction.atomic
def ticket_set_status(*, ticket: Ticket, status: str, by: User) -> Ticket:
    """Staff change a ticket's status; the member may only close their own."""
    ticket = _locked(ticket)
    if status not in Ticket.Status.values:
        raise ValidationError(f"Unknown ticket status “{status}”.")
    if not by.is_staff and not (_is_ticket_member(by, ticket) and status == Ticket.Status.CLOSED):
        raise ValidationError("Members can only close their own tickets.")
    if ticket.status == status:
        return ticket
    ticket.status = status
    ticket.closed_at = timezone.now() if status == Ticket.Status.CLOSED else None
    ticket.save(update_fields=["status", "closed_at", "updated_at"])
    return ticket


def ticket_close(*, ticket: Ticket, by: User) -> Ticket:
    return ticket_set_status(ticket=ticket, status=Ticket.Status.CLOSED, by=by)


@transaction.atomic
def ticket_assign(*, ticket: Ticket, assignee: User | None, by: User) -> Ticket:
    if not by.is_staff:
        raise ValidationError("Only staff assign tickets.")
    if assignee is not None and not assignee.is_staff:
        raise ValidationError({"assignee": f"{assignee} is not active admin or support staff."})
    ticket = _locked(ticket)
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee", "updated_at"])
    return ticket
