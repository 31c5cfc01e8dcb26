"""Which network addresses may be fetched: the one address policy of every fetch.

Public addresses may always be fetched. Loopback and private ones (a mirror, an intranet, a
test outlet on 127.0.0.2) only for the hosts of a source that itself lives on such an
address: a public site redirecting to 127.0.0.1 is refused. Link-local addresses (the cloud
metadata service on 169.254.169.254) and reserved ones never, unless the operator lists them
in ``KIBARU_ALLOWED_NETWORKS``, which allows any address it covers. The check runs on the
addresses a host resolves to, for the first request and every redirect, so that a crafted
link, redirect or DNS answer cannot make kibaru probe an internal network.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from kibaru.settings import IPNetwork

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Shared address space (carrier-grade NAT) is neither public nor reserved: an intranet.
PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")
# The error kind of a refused address, by class of address.
REFUSALS = {
    "loopback": "private_address",
    "private": "private_address",
    "link_local": "link_local_address",
    "reserved": "reserved_address",
}


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
    return tuple(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


def _unwrapped(address: str) -> IPAddress:
    """The address, with an IPv4 address carried inside IPv6 (mapped, NAT64) taken out."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def address_class(address: str) -> str:
    """``public``, ``loopback``, ``private``, ``link_local`` or ``reserved``."""
    ip = _unwrapped(address)
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link_local"
    if ip.is_multicast or ip.is_unspecified:
        return "reserved"
    if any(ip in network for network in PRIVATE_NETWORKS if network.version == ip.version):
        return "private"
    return "public" if ip.is_global else "reserved"


def is_public(address: str) -> bool:
    """True for a globally routable unicast address."""
    return address_class(address) == "public"


def lives_on_private_network(host: str) -> bool:
    """True when ``host`` resolves to a loopback or private address (not a link-local or
    reserved one: those need the operator's say). A host that does not resolve is not: then
    nothing is fetched anyway, and the DNS failure is reported where the fetch fails."""
    try:
        addresses = resolve(host)
    except UnresolvableHost:
        return False
    return any(address_class(a) in ("loopback", "private") for a in addresses)


@dataclass(frozen=True)
class AddressPolicy:
    """What one fetcher may reach: public addresses; loopback and private ones for
    ``private_hosts`` (the hosts of a source that lives on such an address); anything in
    ``allowed_networks`` (the operator's setting)."""

    private_hosts: frozenset[str] = frozenset()
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def for_hosts(
        cls, hosts: Iterable[str], homepage_host: str, allowed_networks: Iterable[IPNetwork] = ()
    ) -> AddressPolicy:
        """The policy of a source: its hosts may be private when its homepage is."""
        private = frozenset(hosts) if lives_on_private_network(homepage_host) else frozenset()
        return cls(private_hosts=private, allowed_networks=tuple(allowed_networks))

    def address_refusal(self, host: str, address: str) -> str | None:
        """Why ``address`` (one of ``host``'s) may not be fetched, or None when it may."""
        kind = address_class(address)
        if kind == "public":
            return None
        ip = _unwrapped(address)
        if any(ip in n for n in self.allowed_networks if n.version == ip.version):
            return None
        if kind in ("loopback", "private") and host in self.private_hosts:
            return None
        return REFUSALS[kind]

    def refusal(self, host: str) -> str | None:
        """Why ``host`` may not be fetched (``dns``, ``private_address``,
        ``link_local_address``, ``reserved_address``), or None when every address it
        resolves to may be."""
        try:
            addresses = resolve(host)
        except UnresolvableHost:
            return "dns"
        for address in addresses:
            reason = self.address_refusal(host, address)
            if reason:
                return reason
        return None
