"""Who is asking: the client's address as the rate limits and the audit log count it.

``REMOTE_ADDR`` unless the gym sets ``TRUSTED_PROXY_COUNT`` (the number of its own
proxies in front of GymOS, usually 1). Then the address is that many entries from the
right of ``X-Forwarded-For``: each proxy appends the address it saw, so entries further
left were written by the client and are never trusted (a forged header cannot pick a
fresh address per request). allauth's login limits use the same rule
(``ALLAUTH_TRUSTED_PROXY_COUNT`` is set from the same variable)."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The client's address ("" when unknown: no request, or not an IP address)."""
    if request is None:
        return ""
    address = request.META.get("REMOTE_ADDR") or ""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        entries = [entry.strip() for entry in forwarded.split(",")]
        if len(entries) >= proxies:
            address = entries[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return ""
