"""Scrapy's name resolution through :func:`crawler.netguard.resolve`.

The source guard checks the addresses a host resolves to before a request goes out; with
this resolver the connection then goes to one of those very addresses (the answer is cached
per process), not to whatever a second DNS answer says: a name that resolves to a public
address for the check and to 169.254.169.254 for the connection gets nowhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from twisted.internet import threads
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from twisted.python.failure import Failure
from zope.interface import implementer  # type: ignore[import-untyped]

from crawler.netguard import UnresolvableHost, resolve

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def preferred(addresses: Sequence[str]) -> str:
    """The address to connect to: the first IPv4 one (as Scrapy's own resolver), else the
    first. Every one of them passed the guard."""
    return next((a for a in addresses if ":" not in a), addresses[0])


@implementer(IResolverSimple)
class CheckedResolver:
    """``DNS_RESOLVER`` for the crawl: answers from the guard's cache of resolutions."""

    def __init__(self, reactor: Any) -> None:
        self.reactor = reactor

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> CheckedResolver:
        return cls(reactor)

    def install_on_reactor(self) -> None:
        self.reactor.installResolver(self)

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        found: Deferred[tuple[str, ...]] = threads.deferToThread(resolve, name)

        def not_found(failure: Failure) -> Failure:
            if failure.check(UnresolvableHost):
                return Failure(DNSLookupError(name))
            return failure

        return found.addCallbacks(preferred, not_found)
