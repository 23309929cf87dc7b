"""Which addresses a webhook may be sent to: public ones only, unless the operator allows the
rest (``FLOWDESK_WEBHOOK_ALLOW_PRIVATE=1``). Pure address rules, shared by the pack check (a
literal address in a pack) and the sender (every address a host name resolves to).

A webhook URL is written by pack authors and, through the designer, by admins in a browser;
without this a webhook could read cloud metadata endpoints or services on the server's own
network (server-side request forgery).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit

__all__ = [
    "WEBHOOK_ALLOW_PRIVATE_ENV",
    "IpAddress",
    "private_allowed",
    "address_refusal",
    "literal_host_address",
    "never_a_receiver",
]

WEBHOOK_ALLOW_PRIVATE_ENV = "FLOWDESK_WEBHOOK_ALLOW_PRIVATE"
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_TRUE = frozenset({"1", "true", "yes", "on"})
#: NAT64 (RFC 6052): an IPv4 address inside an IPv6 one.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def private_allowed(environ: Mapping[str, str]) -> bool:
    """Whether the operator allows webhooks to non-public addresses."""
    return environ.get(WEBHOOK_ALLOW_PRIVATE_ENV, "").strip().lower() in _TRUE


def _embedded_ipv4(address: IpAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, NAT64, 6to4, Teredo), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def address_refusal(address: IpAddress) -> str | None:
    """Why a webhook may not go to ``address`` (``"loopback"``, ``"private"``...), or None
    for a public address."""
    inner = _embedded_ipv4(address)
    if inner is not None:
        reason = address_refusal(inner)
        return f"{reason} (inside {address})" if reason else None
    for reason, flag in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
    ):
        if flag:
            return reason
    return None if address.is_global else "not public"


def literal_host_address(url: str) -> IpAddress | None:
    """The address a URL's host is written as (``http://10.0.0.5/``), else None."""
    try:
        host = urlsplit(url).hostname
        return ipaddress.ip_address(host) if host else None
    except ValueError:
        return None


def never_a_receiver(address: IpAddress) -> bool:
    """Link-local, unspecified and multicast addresses: cloud metadata endpoints and the like,
    never a webhook receiver, whatever the operator allows."""
    inner = _embedded_ipv4(address) or address
    return inner.is_link_local or inner.is_unspecified or inner.is_multicast
