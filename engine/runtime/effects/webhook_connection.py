"""One webhook POST to an address checked before connecting.

The host is resolved once; every address it resolves to must be allowed
(:mod:`engine.workflows.webhook_targets`), and the connection goes to the address that was
checked, so a DNS answer that changes between the check and the connect (DNS rebinding) cannot
slip a private address in. HTTPS still verifies the certificate against the host name.
Redirects are answered back to the caller, never followed.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Callable, Mapping
from urllib.parse import SplitResult, urlsplit

from engine.runtime.job_errors import JobFailed
from engine.workflows.webhook_targets import (
    WEBHOOK_ALLOW_PRIVATE_ENV,
    IpAddress,
    address_refusal,
    never_a_receiver,
)

__all__ = ["Resolver", "system_resolve", "checked_target", "post_to_checked_address"]

#: ``(host, port) -> addresses``; the system resolver unless a test gives another.
Resolver = Callable[[str, int], list[IpAddress]]
_DEFAULT_PORTS = {"http": 80, "https": 443}


def system_resolve(host: str, port: int) -> list[IpAddress]:
    """Every address ``host`` resolves to (IPv4 and IPv6), in the resolver's order."""
    found: list[IpAddress] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def checked_target(
    url: str, *, allow_private: bool, resolve: Resolver | None = None
) -> tuple[SplitResult, int, IpAddress]:
    """``(parts, port, address)`` to connect to for ``url``. Raises :class:`JobFailed`
    ``webhook_target_refused`` (not retried) when any address the host resolves to is not
    allowed, and ``webhook_failed`` (retried) when the host does not resolve."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in _DEFAULT_PORTS or not host:
        raise JobFailed(f"a webhook url must be http(s)://host/..., got {url!r}",
                        code="job_payload_invalid", retryable=False)
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise JobFailed(f"the webhook url {url!r} has a bad port",
                        code="job_payload_invalid", retryable=False) from None
    try:
        addresses = (resolve or system_resolve)(host, port)
    except OSError as exc:
        raise JobFailed(f"POST {url} failed: {host} did not resolve: {exc}",
                        code="webhook_failed") from exc
    if not addresses:
        raise JobFailed(f"POST {url} failed: {host} resolved to no address",
                        code="webhook_failed")
    for address in addresses:
        reason = address_refusal(address)
        if reason is None or (allow_private and not never_a_receiver(address)):
            continue
        allow = ("" if never_a_receiver(address) else
                 f" (an operator may allow private ones: {WEBHOOK_ALLOW_PRIVATE_ENV}=1)")
        raise JobFailed(
            f"POST {url} refused: {host} is {address}, a {reason} address; webhooks go to "
            f"public addresses only{allow}",
            code="webhook_target_refused",
            retryable=False,
        )
    return parts, port, addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Speaks to ``host`` (the Host header) at the checked ``address``."""

    def __init__(self, host: str, port: int, address: IpAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((str(self._address), self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to ``host`` (SNI and certificate check) at the checked ``address``."""

    def __init__(self, host: str, port: int, address: IpAddress, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((str(self._address), self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def post_to_checked_address(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    timeout: float,
    *,
    allow_private: bool,
    resolve: Resolver | None = None,
    max_answer_bytes: int = 4096,
) -> tuple[int, bytes, str | None]:
    """POST ``body`` to ``url``: ``(status, start of the answer, Location header)``. Network
    failures raise :class:`OSError`; refused targets :class:`JobFailed`."""
    parts, port, address = checked_target(url, allow_private=allow_private, resolve=resolve)
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = kind(parts.hostname or "", port, address, timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=body, headers=dict(headers))
        answer = connection.getresponse()
        return answer.status, answer.read(max_answer_bytes), answer.getheader("Location")
    except http.client.HTTPException as exc:  # a malformed answer: like a network failure
        raise OSError(f"bad HTTP answer: {exc!r}") from exc
    finally:
        connection.close()
