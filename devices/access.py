"""Access sync: make each device reflect membership status, so the door
itself refuses a lapsed member even when the server is unreachable.

- Member entitled today (the status rule: covering, paid, not frozen, not
  suspended or deleted) -> user ENABLED on the device.
- Not entitled (expired, unpaid, frozen, suspended, soft-deleted) -> DISABLED:
  the user and their fingerprints stay, so renewal needs no re-enrolment.
- Purged (personal data removed), or a member's old fingerprint ID after
  re-enrolment -> REMOVED from the device.
- Device users that are no member's (staff, trainers) and device admins are
  never touched.

Pull devices are changed directly over TCP (pyzk), after reading their users
(which a 28-byte device needs before set_user anyway). Push devices get
DATA UPDATE/DELETE USERINFO commands through /iclock/getrequest; the device
user's known state changes when the device confirms.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper
from django.utils import timezone

from core.members.models import Member
from core.memberships.rules import should_be_active
from devices.client import DeviceConnection, DeviceError
from devices.commands import device_command_queue, pending_commands, userinfo_command
from devices.models import Device, DeviceUser

logger = logging.getLogger(__name__)
State = DeviceUser.State


@dataclass(frozen=True)
class AccessChange:
    device: str
    user_id: str
    member: str
    state: str  # the state wanted (ENABLED, DISABLED, REMOVED)
    how: str  # "set on device", "queued", or "dry run"

    def __str__(self) -> str:
        verb = {State.ENABLED: "enable", State.DISABLED: "disable", State.REMOVED: "remove"}[self.state]
        return f"{self.device}: {verb} user {self.user_id} ({self.member}) - {self.how}"


@dataclass
class SyncReport:
    device: str
    ok: bool = True
    error: str = ""
    changes: list[AccessChange] | None = None


def member_wishes(today: datetime.date | None = None) -> dict[str, tuple[Member, str]]:
    """Fingerprint ID -> (member, ENABLED or DISABLED), in one query."""
    today = today or timezone.localdate()
    members = (
        Member.all_objects.filter(biometric_id__isnull=False)
        .exclude(biometric_id="")
        .annotate(entitled=ExpressionWrapper(should_be_active(today), output_field=BooleanField()))
        .select_related("user")
    )
    return {m.biometric_id: (m, State.ENABLED if m.entitled else State.DISABLED) for m in members}


def _former_member(row: DeviceUser | None, user_id: str) -> Member | None:
    """The member a device user used to belong to, if that is over (purged or re-enrolled)."""
    if row is None or row.member is None:
        return None
    if row.member.purged_at is not None or row.member.biometric_id != user_id:
        return row.member
    return None


def _label(member: Member) -> str:
    return member.code


def device_access_sync(*, device: Device, dry_run: bool = False, wishes=None) -> SyncReport:
    wishes = member_wishes() if wishes is None else wishes
    try:
        if device.mode == Device.Mode.PULL:
            changes = _sync_pull(device, wishes, dry_run)
        else:
            changes = _sync_push(device, wishes, dry_run)
    except DeviceError as exc:
        logger.warning("device %s: access sync failed: %s", device.name, exc)
        return SyncReport(device=device.name, ok=False, error=str(exc))
    return SyncReport(device=device.name, changes=changes)


def devices_access_sync(*, dry_run: bool = False, names=None) -> list[SyncReport]:
    """Every active device; one failing does not stop the others."""
    wishes = member_wishes()
    devices = Device.objects.filter(is_active=True).order_by("name")
    if names:
        devices = devices.filter(name__in=list(names))
    reports = []
    for device in devices:
        try:
            reports.append(device_access_sync(device=device, dry_run=dry_run, wishes=wishes))
        except Exception as exc:
            logger.exception("device %s: access sync failed", device.name)
            reports.append(SyncReport(device=device.name, ok=False, error=repr(exc)))
    return reports


def _sync_pull(device: Device, wishes, dry_run: bool) -> list[AccessChange]:
    tracked = {row.user_id: row for row in device.device_users.select_related("member")}
    changes: list[AccessChange] = []
    seen: dict[str, tuple[Member, str]] = {}
    how = "dry run" if dry_run else "set on device"
    with DeviceConnection(device.host, device.port, device.comm_password, settings.DEVICE_TIMEOUT) as conn:
        if device.serial_number and conn.serial_number() != device.serial_number:
            raise DeviceError(f"Serial number mismatch at {device.host}:{device.port}: no users were changed.")
        users = conn.users()  # before any set_user: tells pyzk the record size
        Device.objects.filter(pk=device.pk).update(user_record_size=conn.user_record_size)
        for user in users:
            if user.is_admin:
                continue
            wish = wishes.get(user.user_id)
            if wish is not None:
                member, want = wish
            else:
                member = _former_member(tracked.get(user.user_id), user.user_id)
                if member is None:
                    continue  # not a member's ID: staff, or enrolled without a member
                want = State.REMOVED
            seen[user.user_id] = (member, want)
            current = State.ENABLED if user.enabled else State.DISABLED
            if want == current:
                continue
            changes.append(AccessChange(device.name, user.user_id, _label(member), want, how))
            if dry_run:
                continue
            if not conn.disabled:
                conn.disable()
            if want == State.REMOVED:
                conn.delete_user(user)
            else:
                conn.set_user_enabled(user, want == State.ENABLED)
    if not dry_run:
        _remember(device, tracked, seen)
    return changes


def _remember(device: Device, tracked: dict[str, DeviceUser], seen: dict[str, tuple[Member, str]]) -> None:
    now = timezone.now()
    new, changed = [], []
    for user_id, (member, state) in seen.items():
        row = tracked.get(user_id)
        if row is None:
            new.append(DeviceUser(device=device, user_id=user_id, member=member, state=state, synced_at=now))
        elif row.state != state or row.member_id != member.pk:
            row.state, row.member, row.synced_at = state, member, now
            changed.append(row)
    DeviceUser.objects.bulk_create(new, batch_size=1000)
    DeviceUser.objects.bulk_update(changed, ["state", "member", "synced_at"], batch_size=1000)


def _sync_push(device: Device, wishes, dry_run: bool) -> list[AccessChange]:
    """Queue a command wherever the confirmed state differs from the wish and
    the same command is not already on its way."""
    tracked = {row.user_id: row for row in device.device_users.select_related("member")}
    waiting = set(pending_commands(device).values_list("pin", "command"))
    plan: list[tuple[str, Member, str]] = []
    for user_id, (member, want) in wishes.items():
        row = tracked.get(user_id)
        if row is not None and row.state == want and row.member_id == member.pk:
            continue
        plan.append((user_id, member, want))
    for user_id, row in tracked.items():
        if user_id in wishes or row.state == State.REMOVED:
            continue
        former = _former_member(row, user_id)
        if former is not None:
            plan.append((user_id, former, State.REMOVED))
    changes = []
    for user_id, member, want in sorted(plan, key=lambda item: item[0]):
        name = "" if member.purged_at else member.display_name
        command = userinfo_command(pin=user_id, name=name, state=want)
        if (user_id, command) in waiting:
            continue
        changes.append(AccessChange(device.name, user_id, _label(member), want, "dry run" if dry_run else "queued"))
        if not dry_run:
            device_command_queue(device=device, command=command, pin=user_id, intent=want, member=member)
    return changes
