"""Which address a request comes from, for login throttling and rate limits.

The socket's peer, unless the peer is one of the proxies the operator named
(``flowdesk serve --trusted-proxy CIDR`` or ``FLOWDESK_TRUSTED_PROXIES``): then the right-most
address of ``X-Forwarded-For`` that is not itself a trusted proxy. With no trusted proxies (the
default) the header is ignored, so no client picks the address it is counted under.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from starlette.requests import Request

from engine.errors import FlowdeskError

__all__ = ["TrustedProxies", "TRUSTED_PROXIES_ENV", "request_client_address"]

TRUSTED_PROXIES_ENV = "FLOWDESK_TRUSTED_PROXIES"
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(text: str) -> _Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped if mapped is not None else address


@dataclass(frozen=True, slots=True)
class TrustedProxies:
    """The networks whose ``X-Forwarded-For`` is believed (none by default)."""

    networks: tuple[_Network, ...] = ()

    @classmethod
    def parse(cls, cidrs: Iterable[str]) -> TrustedProxies:
        """From CIDRs or single addresses; a malformed one is a ``trusted_proxy_invalid``
        error naming it."""
        networks = []
        for cidr in cidrs:
            try:
                networks.append(ipaddress.ip_network(cidr.strip(), strict=False))
            except ValueError:
                raise FlowdeskError(
                    f"trusted proxy {cidr!r} is not an address or a network "
                    "(e.g. 10.0.0.5, 10.0.0.0/8, fd00::/8)", code="trusted_proxy_invalid",
                ) from None
        return cls(tuple(networks))

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> TrustedProxies:
        """From ``FLOWDESK_TRUSTED_PROXIES`` (comma-separated CIDRs; empty: none)."""
        value = environ.get(TRUSTED_PROXIES_ENV, "")
        return cls.parse(part for part in value.split(",") if part.strip())

    def trusts(self, address: _Address) -> bool:
        return any(address.version == net.version and address in net for net in self.networks)

    def client_of(self, peer: str, forwarded_for: Iterable[str]) -> str:
        """The client's address given the socket ``peer`` and the ``X-Forwarded-For`` header
        values in order: hops are walked from the right while they are trusted proxies."""
        current = _address(peer)
        if current is None or not self.networks or not self.trusts(current):
            return peer
        hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:  # garbage a client wrote: stop at the last proxy we trust
                break
            current = address
            if not self.trusts(address):
                break
        return str(current)


def request_client_address(request: Request, proxies: TrustedProxies) -> str:
    """The address ``request`` is counted under (see the module's docstring)."""
    peer = request.client.host if request.client else "unknown"
    return proxies.client_of(peer, request.headers.getlist("x-forwarded-for"))
