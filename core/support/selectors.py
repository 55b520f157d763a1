"""Reading tickets. A member only ever reaches their own: every portal
lookup goes through ``tickets_of`` so another member's ticket is "not found"."""

from django.db.models import Count, QuerySet

from core.accounts.models import User
from core.members.models import Member
from core.support.models import Ticket, TicketReply


def tickets_of(*, user: User) -> QuerySet[Ticket]:
    """The tickets of the member logged in as ``user`` (none for anyone else)."""
    member = Member.objects.filter(user=user).only("pk").first() if user.role == User.Role.MEMBER else None
    if member is None:
        return Ticket.objects.none()
    return Ticket.objects.filter(member=member)


def ticket_thread(*, ticket: Ticket) -> QuerySet[TicketReply]:
    return ticket.replies.select_related("author").order_by("at", "pk")


def tickets_with_counts(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return queryset.annotate(reply_count=Count("replies"))


def open_tickets_count() -> int:
    """Tickets not closed yet (waiting for staff or for the member): for the daily digest and the dashboard."""
    return Ticket.objects.exclude(status=Ticket.Status.CLOSED).count()


def awaiting_staff_count() -> int:
    """Tickets whose last word is the member's: the staff queue badge."""
    return Ticket.objects.filter(status=Ticket.Status.OPEN).count()
