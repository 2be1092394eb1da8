"""Facts about the HTTP request that more than one part of victimcare needs."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid_ip(candidate: str) -> str | None:
    """The address in canonical text form, or None if it is not an IP address.

    Accepts the forms proxies write into X-Forwarded-For: a bare address,
    `1.2.3.4:port` and `[2001:db8::1]:port`.
    """
    value = candidate.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client that sent `request`, or None when it cannot be told.

    With `settings.TRUSTED_PROXY_COUNT` = 0 the service faces clients directly and
    only REMOTE_ADDR counts: X-Forwarded-For is ignored because any client can
    write it. With N > 0, each of our N proxies appends the address it received
    the request from, so the client is the Nth address from the right; anything
    further left was written by the client and is never trusted. A header with
    fewer than N addresses did not pass through all our proxies, so the answer
    is None rather than a guess. The result is always a valid IP address.
    """
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies <= 0:
        return _valid_ip(request.META.get("REMOTE_ADDR", ""))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop for hop in (part.strip() for part in forwarded.split(",")) if hop]
    if len(hops) < proxies:
        return None
    return _valid_ip(hops[-proxies])
