"""The bulk write behind ``members_import``: checked rows in, a fixed number
of queries per 1,000 rows out. member_create per row would run about ten
queries a row (provisioning, counter lock, history, status refresh); this
writes users, role groups, codes, members, memberships and their history
with bulk inserts, and applies the status rule to the new members in one
set-based query, so 10,000 rows import in seconds."""

from __future__ import annotations

import datetime
import re
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.accounts.models import User
from core.accounts.roles import ROLE_GROUPS
from core.accounts.services import WELCOME_TEMPLATE
from core.common.actors import current_actor
from core.common.past_figures import term_figures_changed
from core.common.queue import enqueue
from core.common.services import counter_reserve
from core.members.models import Member
from core.members.services import CODE_COUNTER
from core.memberships.models import Membership
from core.memberships.rules import should_be_active
from core.memberships.services import term_end
from core.notifications.models import Message
from core.notifications.services import SEND_TASK

if TYPE_CHECKING:
    from core.members.importing import MemberImportRow

BATCH_SIZE = 1000
ENQUEUE_AT_ONCE = 100  # welcome emails handed to the worker right after the import commits


@dataclass
class MemberImportResult:
    members: list[Member] = field(default_factory=list)
    memberships: int = 0
    welcome_emails: int = 0

    @property
    def created(self) -> int:
        return len(self.members)


def _generated_number(code: str) -> int:
    """The counter value that would generate ``code`` (M00042 -> 42), else 0."""
    m = re.fullmatch(r"M(\d+)", code)
    return int(m[1]) if m and code == f"M{int(m[1]):05d}" else 0


def _create_users(rows: list[MemberImportRow], *, now, actor, reason: str) -> list[User]:
    users = []
    for row in rows:
        user = User(
            email=row.email,
            first_name=row.first_name,
            last_name=row.last_name,
            role=User.Role.MEMBER,
            must_change_password=True,
            date_joined=now,
        )
        # The temporary password is made when the welcome email is sent (user_provision's rule).
        # Same form as set_unusable_password(), whose 40 secrets.choice() calls a row cost ~1 s per 10,000.
        user.password = UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
        users.append(user)
    bulk_create_with_history(
        users, User, batch_size=BATCH_SIZE, default_user=actor, default_change_reason=reason, default_date=now
    )
    group, _ = Group.objects.get_or_create(name=ROLE_GROUPS[User.Role.MEMBER])
    through = User.groups.through
    through.objects.bulk_create([through(user_id=u.pk, group_id=group.pk) for u in users], batch_size=BATCH_SIZE)
    return users


def _assign_codes(rows: list[MemberImportRow]) -> list[str]:
    # One locked counter update for the whole file; carried-over codes push
    # the counter past them so member_next_code never hands them out again.
    floor = max((_generated_number(r.code) for r in rows if r.code), default=0)
    number = counter_reserve(name=CODE_COUNTER, n=sum(1 for r in rows if not r.code), floor=floor)
    codes = []
    for row in rows:
        if row.code:
            codes.append(row.code)
        else:
            codes.append(f"M{number:05d}")
            number += 1
    return codes


def _apply_status(members: list[Member], ids: list[int], *, today: datetime.date, now) -> None:
    """The same status rule as everywhere (core.memberships.rules), set-based."""
    active = set()
    for i in range(0, len(ids), BATCH_SIZE * 5):
        chunk = ids[i : i + BATCH_SIZE * 5]
        active.update(
            Member.all_objects.filter(pk__in=chunk).filter(should_be_active(today)).values_list("pk", flat=True)
        )
    if not active:
        return
    Member.all_objects.filter(pk__in=active).update(status=Member.Status.ACTIVE, status_changed_at=now)
    for member in members:
        if member.pk in active:
            member.status = Member.Status.ACTIVE
            member.status_changed_at = now


def _queue_welcome_emails(users: list[User]) -> int:
    # Same message as core.accounts.services.welcome_queue, in bulk: the
    # worker makes the temporary password when it sends each one.
    messages = [
        Message(
            channel=Message.Channel.EMAIL,
            template=WELCOME_TEMPLATE,
            recipient=user.email,
            user=user,
            dedupe_key=f"welcome:{user.pk}:{secrets.token_hex(8)}",
            context={"user_id": user.pk, "first_name": user.first_name, "role": user.get_role_display()},
        )
        for user in users
    ]
    Message.objects.bulk_create(messages, batch_size=BATCH_SIZE)
    # Each enqueue is one broker write after commit (~12 ms on the database
    # broker: two minutes for 10,000). The first ones go at once; the outbox
    # sweep (jobs "outbox-retry", every minute, 1,000 a run) queues the rest.
    for message in messages[:ENQUEUE_AT_ONCE]:
        enqueue(SEND_TASK, message.pk)
    return len(messages)


def write_members(
    rows: list[MemberImportRow], *, by: User | None, send_welcome: bool, reason: str, today: datetime.date
) -> MemberImportResult:
    """Write checked rows; the caller holds the transaction."""
    now = timezone.now()
    actor = by if by is not None and by.pk else current_actor()
    users = _create_users(rows, now=now, actor=actor, reason=reason)
    members = [
        Member(
            user=user,
            code=code,
            phone=row.phone,
            whatsapp_opt_in=row.whatsapp_opt_in,
            date_of_birth=row.date_of_birth,
            emergency_contact_name=row.emergency_contact_name,
            emergency_contact_phone=row.emergency_contact_phone,
            biometric_id=row.biometric_id or None,
            # The register's start date is the best join date we have.
            joined_on=min(row.membership_start, today) if row.membership_start else today,
            status=Member.Status.INACTIVE,
        )
        for row, user, code in zip(rows, users, _assign_codes(rows), strict=True)
    ]
    Member.all_objects.bulk_create(members, batch_size=BATCH_SIZE)
    memberships = [
        Membership(
            member=member,
            plan=row.plan,
            starts_on=row.membership_start,
            ends_on=term_end(plan=row.plan, starts_on=row.membership_start),
            price=row.plan.price,
            created_by=actor if actor is not None and actor.pk else None,
            note=reason[:255],
        )
        for row, member in zip(rows, members, strict=True)
        if row.plan is not None
    ]
    if memberships:
        bulk_create_with_history(
            memberships,
            Membership,
            batch_size=BATCH_SIZE,
            default_user=actor,
            default_change_reason=reason,
            default_date=now,
        )
        _apply_status(members, [m.member_id for m in memberships], today=today, now=now)
        # Bulk inserts send no signals: a register's past terms change the cached month figures.
        term_figures_changed(starts_on=min(m.starts_on for m in memberships))
    # History after the status is known, so each member's first entry shows it.
    Member.history.bulk_history_create(
        members, batch_size=BATCH_SIZE, default_user=actor, default_change_reason=reason, default_date=now
    )
    welcome = _queue_welcome_emails(users) if send_welcome else 0
    return MemberImportResult(members=members, memberships=len(memberships), welcome_emails=welcome)
