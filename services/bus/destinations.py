"""Where a webhook may point: public addresses only, unless the operator allows more.

A webhook is a request the service makes on a tenant's behalf, so its URL is a way to reach
what only the service can: its loopback, the private network, the cloud's metadata address.
A URL is checked when a tenant registers it and again before every delivery, against the
addresses its host resolves to then (a name can be made to resolve elsewhere after it was
checked), and the delivery goes to the address that was checked.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# (host, port) -> the addresses the host resolves to now, as text
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]


class ForbiddenDestination(ValueError):
    """A webhook URL the service will not call; ``reason`` says why, in words for its owner."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnresolvedHost(ForbiddenDestination):
    """A host name that resolves to nothing now: a delivery has no address to check, so it is
    refused; registration lets it in, since it says nothing of where the name will point."""


@dataclass(frozen=True)
class Pinned:
    """A URL rewritten to the address its host resolved to and was checked at, with what the
    request must still say about the host (``Host`` header, TLS server name)."""

    url: str
    host_header: str  # the URL's own host[:port]
    server_name: str  # for TLS: the certificate must name the host, not the address


def literal_address(host: str) -> Address | None:
    """The address a host names without asking DNS, in any form a resolver accepts:
    ``127.0.0.1``, ``::1``, and the numeric and short IPv4 forms ``2130706433``, ``0x7f.1``,
    ``127.1`` that C's ``inet_aton`` reads."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def wire_host(host: str) -> str:
    """The host as a request carries it in ``Host`` and the TLS server name: ASCII."""
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ForbiddenDestination("has a host name that is not valid") from None


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo), which is where it goes."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


async def system_resolver(host: str, port: int) -> list[str]:
    found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in found]


class Destinations:
    def __init__(self, allowed: Iterable[str] = (), resolver: Resolver = system_resolver) -> None:
        """``allowed``: networks (``10.1.2.0/24``, ``127.0.0.1``) the operator lets webhooks
        reach although they are not public (``COMPLAINTS_WEBHOOK_ALLOWED_NETWORKS``)."""
        self.allowed: tuple[Network, ...] = tuple(
            ipaddress.ip_network(entry.strip(), strict=False) for entry in allowed if entry.strip()
        )
        self.resolver = resolver

    def check_address(self, address: Address) -> None:
        if any(address in network for network in self.allowed):
            return
        inner = embedded_ipv4(address)
        if inner is not None:
            self.check_address(inner)
            return
        if not address.is_global or address.is_multicast:
            raise ForbiddenDestination(
                "must reach a public address: loopback, private, link-local, metadata and "
                "reserved addresses are refused"
            )

    def check_url(self, url: str) -> tuple[str, int]:
        """The URL's host (as sent: IDNA for a name in another script) and port, once its
        form is acceptable; its address, too, when the host is one written as a number."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ForbiddenDestination("must be an http or https URL with a host")
        if parts.username is not None or parts.password is not None:
            raise ForbiddenDestination("must not carry credentials: the signature proves us")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise ForbiddenDestination("has a port that is not a number from 1 to 65535") from None
        host = wire_host(parts.hostname)
        address = literal_address(host)
        if address is not None:
            self.check_address(address)
        return host, port

    async def resolve(self, url: str) -> Pinned:
        """Resolve the URL's host now and check every address it gives; the URL pinned to
        the first, so the request cannot be sent anywhere the check did not see."""
        host, port = self.check_url(url)
        address = literal_address(host)
        if address is None:
            try:
                addresses = [ipaddress.ip_address(each) for each in await self.resolver(host, port)]
            except OSError:  # socket.gaierror among them
                addresses = []
            if not addresses:
                raise UnresolvedHost("has a host name that does not resolve")
            for each in addresses:
                self.check_address(each)
            address = addresses[0]
        parts = urlsplit(url)
        port_shown = f":{parts.port}" if parts.port else ""
        shown = f"[{address}]" if address.version == 6 else str(address)
        host_header = (f"[{host}]" if ":" in host else host) + port_shown
        return Pinned(urlunsplit(parts._replace(netloc=shown + port_shown)), host_header, host)

    async def admit(self, url: str) -> None:
        """What registration checks: the URL's form and every address its host resolves to
        now. A name that does not resolve yet is let in: each delivery checks it again."""
        with contextlib.suppress(UnresolvedHost):
            await self.resolve(url)
