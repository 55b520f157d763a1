"""The client's address for rate limits and the audit log (core/common/client_ip.py)."""

import pytest
from django.test import RequestFactory

from core.common.client_ip import client_ip


def request(remote: str = "10.0.0.1", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_connection_counts_and_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request("198.51.100.7", forwarded="203.0.113.5")) == "198.51.100.7"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "203.0.113.5", "203.0.113.5"),  # what the gym's proxy saw
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # a forged entry on the left is not trusted
        (2, "6.6.6.6, 203.0.113.5, 10.0.0.2", "203.0.113.5"),  # two proxies of the gym's own
        (2, "203.0.113.5", "10.0.0.1"),  # fewer entries than proxies: the connection's address
        (1, "", "10.0.0.1"),
        (1, "not-an-address", ""),  # nothing worth counting or keeping
    ],
)
def test_behind_the_gyms_proxies_the_address_they_saw_counts(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request(forwarded=forwarded)) == expected


def test_no_request_no_address():
    assert client_ip(None) == ""
