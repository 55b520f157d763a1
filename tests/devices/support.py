"""Helpers for the device tests: devices registered in GymOS, the gym's wall
clock (what a device shows), members enrolled under fingerprint IDs."""

import datetime
import itertools
import socket

from django.utils import timezone

from devices.models import Device
from devices.services import device_save
from tests.core.members.builders import days, make_member, make_plan, sell

_names = itertools.count(1)


def gym_clock() -> datetime.datetime:
    """Device-local wall time: the gym's time zone, no zone attached (PROTOCOLS.md)."""
    return timezone.localtime().replace(tzinfo=None)


def wall(minutes_ago: float) -> datetime.datetime:
    return (gym_clock() - datetime.timedelta(minutes=minutes_ago)).replace(microsecond=0)


def pull_device(sim=None, **fields) -> Device:
    fields.setdefault("name", f"Door {next(_names)}")
    fields.setdefault("host", "127.0.0.1")
    if sim is not None:
        fields.setdefault("port", sim.port)
        fields.setdefault("comm_password", sim.comm_password)
    return device_save(device=Device(mode=Device.Mode.PULL, **fields))


def push_device(serial: str, **fields) -> Device:
    fields.setdefault("name", f"Push {next(_names)}")
    return device_save(device=Device(mode=Device.Mode.PUSH, serial_number=serial, **fields))


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def paying_member(biometric_id: str, plan=None, **profile):
    plan = plan or make_plan()
    member = make_member(biometric_id=biometric_id, **profile)
    sell(member, plan, timezone.localdate() - days(10))
    return member


def lapsed_member(biometric_id: str, plan=None, **profile):
    plan = plan or make_plan()
    member = make_member(biometric_id=biometric_id, **profile)
    sell(member, plan, timezone.localdate() - days(45))
    return member
