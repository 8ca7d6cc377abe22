"""The SSRF policy: which URLs the fetcher may connect to, decided on the resolved address.

A URL passes only if its scheme is http(s), it carries no credentials, and every address its host
resolves to is globally routable, unless the operator allow-listed the host name or a network
(`NEWSWIRE_FETCH_ALLOW`). The caller then connects to the checked address itself, so a second DNS
answer (rebinding) cannot change where the request goes.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from services.errors import BlockedURL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# An injectable resolver: host, port -> the addresses a connection could go to.
Resolver = Callable[[str, int], Awaitable[list[str]]]

_SCHEMES = {"http": 80, "https": 443}

# Ranges refused even where `ipaddress.is_global` says otherwise (it changes between Python
# releases), or whose embedded IPv4 address must be checked instead.
_ALWAYS_REFUSED: tuple[Network, ...] = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",
        "100.64.0.0/10",
        "169.254.0.0/16",
        "192.0.0.0/24",
        "198.18.0.0/15",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
        "64:ff9b:1::/48",
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_METADATA = ipaddress.ip_address("169.254.169.254")

# inet_aton accepts 1-4 parts, each decimal, 0-prefixed octal or 0x-prefixed hex: 2130706433,
# 0x7f.1, 0177.0.0.1 all mean 127.0.0.1, and a resolver (or a proxy) may honour them.
_NUMERIC_PART = re.compile(r"^(0x[0-9a-f]*|0[0-7]*|[1-9][0-9]*)$")


@dataclass(frozen=True)
class Target:
    """A URL that passed the policy, with the one address to connect to."""

    url: str
    scheme: str
    host: str
    port: int
    address: str
    allowed_by: str | None = None


class AllowList:
    """Host names and networks the operator trusts although they are not public."""

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.hosts: set[str] = set()
        self.networks: list[Network] = []
        for entry in (e.strip() for e in entries):
            if not entry:
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                self.hosts.add(entry.lower().rstrip("."))

    @classmethod
    def parse(cls, value: str) -> AllowList:
        """An allow-list from a comma-separated setting: `127.0.0.1,10.0.0.0/8,intranet.local`."""
        return cls(value.split(","))

    def allows_host(self, host: str) -> bool:
        """Whether the host name itself is trusted."""
        return host.lower().rstrip(".") in self.hosts

    def network_of(self, address: IPAddress) -> Network | None:
        """The allowed network holding this address, if any."""
        return next((net for net in self.networks if address.version == net.version and address in net), None)


def numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a numeric host spelling means (`2130706433`, `0x7f.1`, `0177.0.0.1`), else None."""
    parts = host.lower().rstrip(".").split(".")
    if not 1 <= len(parts) <= 4 or not all(_NUMERIC_PART.match(p) for p in parts):
        return None
    values = [
        int(p[2:] or "0", 16)
        if p.startswith("0x")
        else int(p, 8)
        if len(p) > 1 and p.startswith("0")
        else int(p or "0")
        for p in parts
    ]
    # The last part fills the remaining bytes: a.b.c.d, a.b.(c*256+d), a.(b..d), or one 32-bit value.
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (5 - len(values)):
        return None
    number = last
    for i, value in enumerate(head):
        number += value << (8 * (3 - i))
    return ipaddress.IPv4Address(number)


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries: IPv4-mapped, IPv4-compatible, 6to4, NAT64, Teredo."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    packed = int(address)
    if packed >> 32 == 0 and packed > 1:  # ::a.b.c.d, deprecated IPv4-compatible
        return ipaddress.IPv4Address(packed)
    return None


def refusal(address: IPAddress) -> str | None:
    """Why connecting to this address is refused, or None if it is a public address."""
    if isinstance(address, ipaddress.IPv6Address) and (inner := embedded_ipv4(address)) is not None:
        why = refusal(inner)
        return f"it embeds the IPv4 address {inner}, which {why}" if why else None
    if address == _METADATA:
        return "is the cloud metadata address"
    # Most specific first: Python also calls loopback, link-local and unspecified "private".
    for kind in ("loopback", "link_local", "unspecified", "multicast", "reserved", "private"):
        if getattr(address, f"is_{kind}"):
            return f"is a {kind.replace('_', '-')} address"
    if any(address.version == net.version and address in net for net in _ALWAYS_REFUSED):
        return "is in a non-public range"
    if not address.is_global:
        return "is not a globally routable address"
    return None


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the system resolver (getaddrinfo), TCP addresses only."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Policy:
    """Checks URLs against the SSRF rules, resolving with an injectable resolver."""

    allow: AllowList
    resolver: Resolver = system_resolver

    async def check(self, url: str) -> Target:
        """The address to connect to for `url`; raises BlockedURL with the reason if refused."""
        scheme, host, port = split_url(url)
        literal = _literal_address(host)
        if literal is not None:
            return self._decide(url, scheme, host, port, [literal])
        if self.allow.allows_host(host):
            addresses = await self._resolve(url, host, port)
            return Target(url, scheme, host, port, str(addresses[0]), allowed_by=host)
        return self._decide(url, scheme, host, port, await self._resolve(url, host, port))

    async def _resolve(self, url: str, host: str, port: int) -> list[IPAddress]:
        from services.fetcher.errors import FetchFailed

        try:
            answers = await self.resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise FetchFailed(f"cannot resolve {host!r}: {exc}", url=url, code="dns") from exc
        addresses: list[IPAddress] = []
        for answer in answers:
            try:
                addresses.append(ipaddress.ip_address(answer.split("%", 1)[0]))
            except ValueError as exc:
                raise BlockedURL(
                    f"{host!r} resolved to {answer!r}, not an IP address", url=url, code="address"
                ) from exc
        if not addresses:
            raise FetchFailed(f"{host!r} has no addresses", url=url, code="dns")
        return addresses

    def _decide(self, url: str, scheme: str, host: str, port: int, addresses: list[IPAddress]) -> Target:
        if self.allow.allows_host(host):
            return Target(url, scheme, host, port, str(addresses[0]), allowed_by=host)
        allowed_by = None
        # Every answer must pass: a name resolving to one public and one private address could
        # be dialled at the private one by the next resolution.
        for address in addresses:
            network = self.allow.network_of(address)
            if network is not None:
                allowed_by = str(network)
                continue
            if (why := refusal(address)) is not None:
                shown = host if host == str(address) else f"{host!r} resolves to {address}, which"
                raise BlockedURL(f"refused to fetch {url}: {shown} {why}", url=url, code="address")
        return Target(url, scheme, host, port, str(addresses[0]), allowed_by=allowed_by)


def split_url(url: str) -> tuple[str, str, int]:
    """Scheme, host and port of an http(s) URL; raises BlockedURL for anything else."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise BlockedURL(f"not a valid URL: {url!r} ({exc})", url=url, code="invalid_url") from exc
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise BlockedURL(
            f"only http and https URLs are fetched, not {scheme or 'no'} scheme: {url!r}",
            url=url,
            code="scheme",
        )
    if parts.username is not None or parts.password is not None:
        raise BlockedURL(f"URLs with credentials are not fetched: {url!r}", url=url, code="credentials")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise BlockedURL(f"URL has no host: {url!r}", url=url, code="invalid_url")
    return scheme, host, port or _SCHEMES[scheme]


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return numeric_ipv4(host)
