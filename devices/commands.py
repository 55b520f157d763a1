"""Commands for push devices: queued by access sync, fetched by the device on
/iclock/getrequest, confirmed on /iclock/devicecmd."""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from devices.adms import CommandReply, clean_text
from devices.guarded_zk import PRIVILEGE_DISABLED
from devices.models import Device, DeviceCommand, DeviceUser

logger = logging.getLogger(__name__)

COMMANDS_PER_REQUEST = 20
# A command sent this long ago and never confirmed counts as lost: sync may queue it again.
SENT_GIVE_UP = datetime.timedelta(hours=24)


def userinfo_command(*, pin: str, name: str, state: str) -> str:
    """The ADMS command that makes user ``pin`` ENABLED, DISABLED or REMOVED.

    Disabled is the privilege byte with its enable bit (E0) set, as on the
    TCP side: the user and their fingerprints stay on the device, so renewing
    lets them in again without enrolling anew. Firmware that ignores it can be
    handled by removing instead (not needed by the devices tested so far)."""
    pin = clean_text(pin)
    if state == DeviceUser.State.REMOVED:
        return f"DATA DELETE USERINFO PIN={pin}"
    privilege = PRIVILEGE_DISABLED if state == DeviceUser.State.DISABLED else 0
    return f"DATA UPDATE USERINFO PIN={pin}\tName={clean_text(name)}\tPrivilege={privilege}"


def pending_commands(device: Device):
    now = timezone.now()
    return device.commands.filter(status=DeviceCommand.Status.QUEUED) | device.commands.filter(
        status=DeviceCommand.Status.SENT, sent_at__gte=now - SENT_GIVE_UP
    )


@transaction.atomic
def device_command_queue(
    *, device: Device, command: str, pin: str = "", intent: str = "", member=None
) -> DeviceCommand:
    """Queue a command; a queued, not yet fetched command for the same user is
    superseded (the device only needs the latest wish)."""
    if pin:
        device.commands.filter(status=DeviceCommand.Status.QUEUED, pin=pin).update(
            status=DeviceCommand.Status.CANCELLED
        )
    item = DeviceCommand(device=device, command=command, pin=pin, intent=intent, member=member)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def device_commands_fetch(*, device: Device, limit: int = COMMANDS_PER_REQUEST) -> list[DeviceCommand]:
    """The next queued commands, marked SENT (getrequest)."""
    items = list(
        device.commands.select_for_update(skip_locked=True)
        .filter(status=DeviceCommand.Status.QUEUED)
        .order_by("pk")[:limit]
    )
    if items:
        now = timezone.now()
        DeviceCommand.objects.filter(pk__in=[c.pk for c in items]).update(status=DeviceCommand.Status.SENT, sent_at=now)
    return items


@transaction.atomic
def device_commands_acknowledge(*, device: Device, replies: list[CommandReply]) -> int:
    """Record what the device did with each command (devicecmd). Return 0 is
    success; then the device user's known state is what the command intended."""
    now = timezone.now()
    done = 0
    for reply in replies:
        item = device.commands.select_for_update().filter(pk=reply.command_id).first()
        if item is None:
            logger.warning("device %s: result for unknown command %s", device.name, reply.command_id)
            continue
        ok = reply.return_code >= 0
        item.status = DeviceCommand.Status.DONE if ok else DeviceCommand.Status.FAILED
        item.return_code = reply.return_code
        item.acknowledged_at = now
        item.save(update_fields=["status", "return_code", "acknowledged_at"])
        done += 1
        if ok and item.intent and item.pin:
            DeviceUser.objects.update_or_create(
                device=device,
                user_id=item.pin,
                defaults={"state": item.intent, "member": item.member, "synced_at": now},
            )
        elif not ok:
            logger.warning("device %s: command %s failed with %s", device.name, item.pk, reply.return_code)
    return done
