"""The network address of the client that sent a request: the only code that reads
`REMOTE_ADDR` or `X-Forwarded-For` (a test keeps it that way).

Behind a load balancer `REMOTE_ADDR` is the balancer, and every limit kept per address would
lump all clients together. `X-Forwarded-For` is written by the client too, so it is believed
only as far as it was written by proxies we run: `LINKWORK_TRUSTED_PROXIES` lists them
(addresses or networks). Starting from `REMOTE_ADDR`, while the hop is a trusted proxy we
step one entry left in the header; the first hop that is not a trusted proxy is the client.
Anything a client put further left is never read.
"""

import ipaddress
from collections.abc import Iterable

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_address(request) -> str:
    """The client's address as text (IPv4-mapped IPv6 as IPv4), or "" if unknown."""
    remote = parse_address(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return ""
    proxies = trusted_networks(getattr(settings, "LINKWORK_TRUSTED_PROXIES", ()))
    hop = remote
    if _is_trusted(hop, proxies):
        for entry in reversed(parse_forwarded_for(request.META.get("HTTP_X_FORWARDED_FOR", ""))):
            if entry is None:
                # Not an address: nothing to its left can be believed; the last trusted
                # proxy is the nearest address we know.
                break
            hop = entry
            if not _is_trusted(hop, proxies):
                break
    return str(hop)


def from_trusted_proxy(request) -> bool:
    """Whether the request came straight from one of the listed proxies, so that a header the
    proxy sets (X-Request-ID: core/request_id.py) can be believed."""
    remote = parse_address(request.META.get("REMOTE_ADDR", ""))
    proxies = trusted_networks(getattr(settings, "LINKWORK_TRUSTED_PROXIES", ()))
    return remote is not None and _is_trusted(remote, proxies)


def parse_forwarded_for(header: str) -> list[IPAddress | None]:
    """Each comma-separated entry of an X-Forwarded-For header as an address, or None where
    an entry is not one. Entries may carry a port (`1.2.3.4:80`, `[2001:db8::1]:443`)."""
    return [parse_address(part) for part in (header or "").split(",")]


def parse_address(text: str) -> IPAddress | None:
    text = (text or "").strip().strip('"').strip()
    if not text:
        return None
    if text.startswith("["):  # [IPv6] or [IPv6]:port
        text, bracket, _ = text[1:].partition("]")
        if not bracket:
            return None
    elif text.count(":") == 1:  # IPv4:port (an IPv6 address has at least two colons)
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return address.ipv4_mapped
        # A scope (`%eth0`) names an interface on some host: it is no part of who the client is.
        return ipaddress.IPv6Address(int(address))
    return address


def trusted_networks(entries: Iterable) -> list[IPNetwork]:
    """Settings entries (text or networks) as networks; raises ValueError on a bad one."""
    networks = []
    for entry in entries:
        if isinstance(entry, ipaddress.IPv4Network | ipaddress.IPv6Network):
            networks.append(entry)
        else:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
    return networks


def _is_trusted(address: IPAddress, networks: list[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in networks)
