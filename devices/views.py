"""ADMS push endpoints (/iclock/...). A device is the HTTP client: it cannot
log in or send a CSRF token, so a request is accepted only under the serial
number of a registered, active push device; anything else gets 403 and a
log line. Bodies are read raw (firmware sends no Content-Type) and capped."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.common.client_ip import client_ip
from devices.adms import count_lines, handshake, parse_attlog, parse_command_replies
from devices.commands import device_commands_acknowledge, device_commands_fetch
from devices.ingest import punches_ingest
from devices.models import Device
from devices.services import device_record_contact, device_record_success

logger = logging.getLogger(__name__)


class BodyTooLarge(Exception):
    pass


def _text(body: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(body, content_type="text/plain; charset=utf-8", status=status)
    # Devices set their clock from the Date header.
    response["Date"] = http_date()
    return response


def _client(request: HttpRequest) -> str:
    return client_ip(request) or "?"


def _push_device(request: HttpRequest) -> Device | None:
    serial = (request.GET.get("SN") or "").strip()
    device = None
    if serial and len(serial) <= 64:
        device = Device.objects.filter(serial_number=serial, mode=Device.Mode.PUSH, is_active=True).first()
    if device is None:
        logger.warning(
            "ADMS: refused %s %s from %s: serial %r is not an active push device",
            request.method,
            request.path,
            _client(request),
            serial[:64],
        )
        return None
    device_record_contact(device=device)
    return device


def _forbidden() -> HttpResponse:
    return _text("Unknown device\n", status=403)


def _body(request: HttpRequest) -> bytes:
    limit = settings.ADMS_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise BodyTooLarge
    body = request.read(limit + 1)
    if len(body) > limit:
        raise BodyTooLarge
    return body


def device_endpoint(view):
    """Declares the view open to door devices, on purpose (the URL inventory test
    reads ``access_rule``): they cannot log in, so the view accepts a request only
    under the serial number of a registered, active push device (_push_device)."""
    view.access_rule = {"public": True, "device": "serial number (SN) of an active push device"}
    return view


def _offset_hours(device: Device) -> float:
    offset = timezone.localtime(timezone.now(), device.tzinfo).utcoffset()
    return offset.total_seconds() / 3600 if offset else 0


@device_endpoint
@csrf_exempt
@require_http_methods(["GET", "POST"])
def cdata(request: HttpRequest) -> HttpResponse:
    device = _push_device(request)
    if device is None:
        return _forbidden()
    if request.method == "GET":
        device_record_success(device=device)
        # log_tail holds the last ATTLOG stamp of a push device: after a restart
        # the device resends only what came after it (duplicates are harmless anyway).
        return _text(
            handshake(device.serial_number, attlog_stamp=device.log_tail, timezone_hours=_offset_hours(device))
        )
    try:
        body = _body(request)
    except BodyTooLarge:
        logger.warning("ADMS %s: body over %d bytes refused", device.name, settings.ADMS_MAX_BODY_BYTES)
        return _text("Body too large\n", status=413)
    table = (request.GET.get("table") or "").upper()
    if table == "ATTLOG":
        return _attlog(request, device, body)
    if table == "OPERLOG":
        lines = count_lines(body)
        logger.info("ADMS %s: OPERLOG with %d line(s) acknowledged", device.name, lines)
        device_record_success(device=device)
        return _text(f"OK: {lines}\n")
    logger.info("ADMS %s: table %r acknowledged, not stored", device.name, table[:20])
    return _text("OK\n")


def _attlog(request: HttpRequest, device: Device, body: bytes) -> HttpResponse:
    parsed = parse_attlog(body)
    if parsed.bad_lines:
        logger.warning(
            "ADMS %s: %d line(s) that are not punches skipped, e.g. %r", device.name, parsed.bad_lines, parsed.samples
        )
    result = punches_ingest(device=device, punches=parsed.punches)
    health = {}
    stamp = (request.GET.get("Stamp") or "").strip()
    if stamp.isdigit() and len(stamp) <= 64:
        health["log_tail"] = stamp
    if parsed.bad_lines:
        health.update(
            last_error=f"{parsed.bad_lines} unreadable line(s) in the last push", last_error_at=timezone.now()
        )
    device_record_success(device=device, **health)
    logger.info(
        "ADMS %s: %d punch(es) received, %d new, %d bad line(s)",
        device.name,
        len(parsed.punches),
        result.inserted,
        parsed.bad_lines,
    )
    return _text(f"OK: {len(parsed.punches)}\n")


@device_endpoint
@csrf_exempt
@require_GET
def getrequest(request: HttpRequest) -> HttpResponse:
    device = _push_device(request)
    if device is None:
        return _forbidden()
    info = request.GET.get("INFO") or ""
    health = {"firmware_version": info.split(",", 1)[0][:100]} if info else {}
    device_record_success(device=device, **health)
    commands = device_commands_fetch(device=device)
    if not commands:
        return _text("OK\n")
    return _text("".join(f"C:{c.pk}:{c.command}\n" for c in commands))


@device_endpoint
@csrf_exempt
@require_POST
def devicecmd(request: HttpRequest) -> HttpResponse:
    device = _push_device(request)
    if device is None:
        return _forbidden()
    try:
        body = _body(request)
    except BodyTooLarge:
        return _text("Body too large\n", status=413)
    device_commands_acknowledge(device=device, replies=parse_command_replies(body))
    return _text("OK\n")
