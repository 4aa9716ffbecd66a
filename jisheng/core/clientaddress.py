"""The client's real address, also behind a reverse proxy.

Behind nginx every request comes from 127.0.0.1; rate limits, sign-in throttling and the audit trail
would then see one client. JISHENG_TRUSTED_PROXIES lists the proxies (addresses or networks) whose
X-Forwarded-For header is believed: the client is the right-most address in that header that is not
itself a trusted proxy. A request that does not come from a trusted proxy is judged by its own
address, whatever it claims in the header (a client can write any X-Forwarded-For it likes).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: Any) -> str | None:
    """The client's address as a valid IP, or None when the request has none (a test client's login,
    a request built in code): what IP address columns (the audit trail, the lockout table) store."""
    address = client_address(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return address


def client_address(request: Any) -> str:
    remote = str(request.META.get("REMOTE_ADDR") or "unknown")
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if not networks or not _trusted(remote, networks):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote  # a malformed header: trust nothing in it
        if not _trusted(hop, networks):
            return hop
    return hops[0] if hops else remote
