"""Membership expiry reminders, queued by a daily job.

Three stages per membership, each sent at most once (dedupe key
``reminder:<membership>:<stage>``), however often the job runs:

- ``expiring``: the membership ends within 3 days ("ends on Fri 12 Dec");
- ``expired``: the day after it ended;
- ``expired_again``: a second reminder 7 days after that (8 days after the end).

A missed run is caught up for a couple of days (the windows below), so a job
that did not run on Tuesday still reminds on Wednesday. A renewal already sold
(any later membership) stops every reminder. Members who agreed to WhatsApp
and have a WhatsApp-capable phone get the approved WhatsApp template; the rest
get an email; members with neither (or with unusable data) are counted as
unreachable.

Selection and writes are set-based: the number of queries does not grow with
the number of members (one task per new message is handed to the worker after
commit, as for every outbox message).
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from core.memberships.models import Membership
from core.notifications.models import Message
from core.notifications.services import message_build, messages_queue_bulk, whatsapp_enabled
from core.notifications.whatsapp.phone import is_whatsapp_capable

logger = logging.getLogger(__name__)

# Days a stage keeps being sent after its day, should the job miss a run.
CATCH_UP_DAYS = 2


@dataclass(frozen=True)
class Stage:
    name: str
    # The membership's ends_on minus today, inclusive range.
    earliest: int
    latest: int
    template: str  # the email template and the WhatsApp template share the name


STAGES = (
    Stage("expiring", 0, 3, "renewal_reminder"),
    Stage("expired", -1 - CATCH_UP_DAYS, -1, "membership_expired"),
    Stage("expired_again", -8 - CATCH_UP_DAYS, -8, "membership_expired"),
)


def reminder_dedupe_key(membership_id: int, stage: str) -> str:
    return f"reminder:{membership_id}:{stage}"


def _due_memberships(today: datetime.date):
    """Memberships in any stage's window today, without a later membership sold."""
    window = Q()
    for stage in STAGES:
        window |= Q(
            ends_on__gte=today + datetime.timedelta(days=stage.earliest),
            ends_on__lte=today + datetime.timedelta(days=stage.latest),
        )
    later = Membership.objects.filter(
        member=OuterRef("member"), status=Membership.Status.ACTIVE, ends_on__gt=OuterRef("ends_on")
    )
    return (
        Membership.objects.filter(window, status=Membership.Status.ACTIVE)
        .filter(member__deleted_at__isnull=True, member__purged_at__isnull=True)
        .exclude(Exists(later))
        .select_related("member__user", "plan")
        .order_by("pk")
    )


def _stage_of(membership: Membership, today: datetime.date) -> Stage:
    offset = (membership.ends_on - today).days
    return next(s for s in STAGES if s.earliest <= offset <= s.latest)


def _day(value: datetime.date) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


def _build(membership: Membership, stage: Stage, today: datetime.date, use_whatsapp: bool) -> Message | None:
    member, user = membership.member, membership.member.user
    first_name = (user.first_name if user else "") or "member"
    key = reminder_dedupe_key(membership.pk, stage.name)
    ends_on = _day(membership.ends_on)
    if use_whatsapp and member.whatsapp_opt_in and is_whatsapp_capable(member.phone):
        return message_build(
            channel=Message.Channel.WHATSAPP,
            template=stage.template,
            recipient=member.phone,
            user=user,
            dedupe_key=key,
            context={
                # Body values of the approved templates: {{1}} name, {{2}} plan, {{3}} last day.
                "parameters": [first_name, membership.plan.name, ends_on],
                "language": settings.WHATSAPP_LANGUAGE,
                "membership_id": membership.pk,
                "stage": stage.name,
            },
        )
    if user is None or not user.email:
        return None
    return message_build(
        template=stage.template,
        recipient=user.email,
        user=user,
        dedupe_key=key,
        context={
            "first_name": first_name,
            "member_code": member.code,
            "plan_name": membership.plan.name,
            "ends_on": ends_on,
            "days_left": (membership.ends_on - today).days,
            "days_since": (today - membership.ends_on).days,
            "second_reminder": stage.name == "expired_again",
            "membership_id": membership.pk,
            "stage": stage.name,
        },
    )


@transaction.atomic
def expiry_reminders_queue(*, today: datetime.date | None = None) -> dict[str, int]:
    """Queue today's expiry reminders; safe to run any number of times a day.
    Returns counts: per stage (new messages), by channel, and unreachable members."""
    today = today or timezone.localdate()
    use_whatsapp = whatsapp_enabled()
    counts = {stage.name: 0 for stage in STAGES} | {"whatsapp": 0, "email": 0, "unreachable": 0}
    messages, stage_of_key = [], {}
    for membership in _due_memberships(today):
        stage = _stage_of(membership, today)
        try:
            message = _build(membership, stage, today, use_whatsapp)
        except ValidationError as exc:  # one member's bad data must not hold up everyone's reminders
            logger.warning("No %s reminder for membership %s: %s", stage.name, membership.pk, " ".join(exc.messages))
            message = None
        if message is None:
            counts["unreachable"] += 1
            continue
        messages.append(message)
        stage_of_key[message.dedupe_key] = stage.name
    queued = messages_queue_bulk(messages=messages)
    for message in queued:
        counts[stage_of_key[message.dedupe_key]] += 1
        counts["whatsapp" if message.channel == Message.Channel.WHATSAPP else "email"] += 1
    return counts
