"""Data retention: members inactive for longer than RETENTION_INACTIVE_DAYS
lose their personal data and login; their payments stay, tied to the code."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.accounts.models import User
from core.common.services import audit_record
from core.members.models import Member
from core.members.services import member_terms_recount
from core.memberships.models import Membership
from core.notifications.models import Message


def purge_candidates(*, today: datetime.date | None = None, days: int | None = None) -> QuerySet:
    """Members (deleted or not) inactive for more than ``days`` with no membership since."""
    today = today or timezone.localdate()
    days = settings.RETENTION_INACTIVE_DAYS if days is None else days
    cutoff_date = today - datetime.timedelta(days=days)
    cutoff = timezone.make_aware(datetime.datetime.combine(cutoff_date, datetime.time.min))
    recent_terms = Membership.objects.filter(member=OuterRef("pk"), ends_on__gte=cutoff_date).exclude(
        status=Membership.Status.CANCELLED
    )
    return (
        Member.all_objects.filter(status=Member.Status.INACTIVE, purged_at__isnull=True)
        .filter(Q(status_changed_at__lt=cutoff) | Q(status_changed_at__isnull=True, created_at__lt=cutoff))
        .exclude(Exists(recent_terms))
        .select_related("user")
        .order_by("code")
    )


@transaction.atomic
def member_purge(*, member: Member) -> Member:
    """Remove a member's personal data, photo, history snapshots and login.
    Memberships, invoices and payments stay, linked to the anonymous code."""
    member = Member.all_objects.select_for_update().get(pk=member.pk)
    if member.purged_at:
        return member
    photo = member.photo.name if member.photo else None
    storage = member.photo.storage
    user = member.user
    user_pk = member.user_id
    phone = member.phone
    now = timezone.now()
    member.health_flags.clear()
    for name in ("phone", "address", "emergency_contact_name", "emergency_contact_relation",
                 "emergency_contact_phone", "health_notes", "suspended_reason"):  # fmt: skip
        setattr(member, name, "")
    member.photo = ""
    member.date_of_birth = None
    member.biometric_id = None
    member.assigned_trainer = None
    member.whatsapp_opt_in = False
    member.user = None
    member.purged_at = now
    if member.deleted_at is None:
        member.deleted_at = now
        member_terms_recount(member=member)
    # Earlier snapshots hold the personal data too (health flags in the m2m ones).
    _delete_history(member)
    member.save()
    if user is not None:
        contact = [value for value in (user.email, phone) if value]
        Message.objects.filter(Q(user=user) | Q(user__isnull=True, recipient__in=contact)).update(
            recipient="(removed)", context={}, subject="", attachments=[], last_error="", user=None
        )
        user.delete()
        # After the delete: simple-history records the deleted user (name, email) as a "-" row.
        User.history.filter(id=user_pk).delete()
    if photo:
        transaction.on_commit(lambda: storage.delete(photo))
    audit_record(
        action="member.purged",
        summary=f"Personal data of member {member.code} removed (retention)",
        obj=member,
        data={"code": member.code},
    )
    return member


def _delete_history(member: Member) -> None:
    history = Member.history.model
    for field in history._history_m2m_fields:
        # DO_NOTHING foreign keys: deleting the history rows would leave these behind.
        HistoricalRecords.m2m_models[field].objects.filter(**{field.m2m_field_name(): member.pk}).delete()
    history.objects.filter(id=member.pk).delete()


def members_purge_inactive(*, dry_run: bool = False, today: datetime.date | None = None) -> list[str]:
    """Purge every candidate (each in its own transaction); returns the codes."""
    codes = []
    for member in purge_candidates(today=today).iterator(chunk_size=200):
        codes.append(member.code)
        if not dry_run:
            member_purge(member=member)
    return codes
