"""Which network addresses a source may be fetched from.

Private, loopback, link-local and other non-public addresses are refused (so that a crafted
link or redirect cannot make the crawler probe an internal network), unless the source itself
lives on such an address: a test outlet on 127.0.0.2 may be crawled, a public site redirecting
to 127.0.0.1 may not.
"""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache


class UnresolvableHost(Exception):
    """The host name does not resolve (DNS failure)."""


def resolve(host: str) -> tuple[str, ...]:
    """The IP addresses of ``host`` (an IP literal resolves to itself); cached per process,
    failures included (a crawl asks about the same few hosts over and over)."""
    addresses = _lookup(host)
    if not addresses:
        raise UnresolvableHost(f"{host} does not resolve")
    return addresses


@lru_cache(maxsize=4096)
def _lookup(host: str) -> tuple[str, ...]:
    try:
        return (str(ipaddress.ip_address(host.strip("[]"))),)
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return ()
    return tuple(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public(address: str) -> bool:
    """True for a globally routable unicast address."""
    ip = ipaddress.ip_address(address)
    return ip.is_global and not ip.is_multicast


def lives_on_private_network(host: str) -> bool:
    """True when ``host`` resolves to a non-public address (or does not resolve at all: then
    nothing is fetched anyway, and the DNS failure is reported where the fetch fails)."""
    try:
        return not all(is_public(address) for address in resolve(host))
    except UnresolvableHost:
        return False


def refusal(host: str, *, allow_private: bool) -> str | None:
    """Why ``host`` may not be fetched (``"private_address"``/``"dns"``), or None when it may."""
    try:
        addresses = resolve(host)
    except UnresolvableHost:
        return "dns"
    if allow_private:
        return None
    if all(is_public(address) for address in addresses):
        return None
    return "private_address"
