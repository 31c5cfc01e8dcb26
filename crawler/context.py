"""What one crawl run shares between the spider, its middlewares and its pipeline."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from crawler.netguard import AddressPolicy
from crawler.registry import Source
from crawler.tally import RunTally
from crawler.urls import host_of
from kibaru.settings import IPNetwork
from workers.stages.page import FetchedPage

KnownFilter = Callable[[list[str]], set[str]]
Submit = Callable[[FetchedPage], None]


def nothing_to_flush() -> None:
    """The ``flush_due`` of an ingestor that hands each page on at once."""


@dataclass(frozen=True)
class CrawlOptions:
    """The operator's choices for a run: ``limit`` article pages per source, entries older
    than ``since`` skipped, ``refresh`` to fetch stored URLs again."""

    limit: int | None = None
    since: datetime | None = None
    refresh: bool = False
    max_sitemap_bytes: int = 50 * 1024 * 1024
    max_pagination_depth: int = 5
    allowed_networks: tuple[IPNetwork, ...] = ()


def source_hosts(source: Source) -> set[str]:
    """A source's own hosts (its pages are on them or their subdomains): the homepage's, with
    and without ``www.``, those of its feeds, sitemaps and listings, and its ``domains``."""
    hosts = {host_of(url) for url in (source.homepage, *source.feeds, *source.sitemaps)}
    hosts |= {host_of(url) for url in source.listings}
    hosts |= {domain.lower() for domain in source.domains}
    hosts.add(source.domain)
    hosts.discard("")
    return hosts


@dataclass
class SourceScope:
    """Where a source may be fetched from: its own hosts, and the address policy (private
    addresses only when the source itself lives on one; the operator's allowed networks)."""

    domains: set[str]
    policy: AddressPolicy

    @classmethod
    def of(cls, source: Source, allowed_networks: tuple[IPNetwork, ...] = ()) -> SourceScope:
        hosts = source_hosts(source)
        policy = AddressPolicy.for_hosts(hosts, host_of(source.homepage), allowed_networks)
        return cls(domains=hosts, policy=policy)


@dataclass
class CrawlContext:
    """Sources by id, options, the counts, and the seams: which URLs are already stored
    (``known``, called with batches), where fetched pages go (``submit``), and what hands on
    pages that wait in a batch (``flush_due``, called about twice a second)."""

    sources: dict[str, Source]
    options: CrawlOptions
    known: KnownFilter
    submit: Submit
    flush_due: Callable[[], None] = nothing_to_flush
    tally: RunTally = field(default_factory=RunTally)
    error_samples: dict[str, list[str]] = field(default_factory=dict)
    close_reason: str | None = None
    scopes: dict[str, SourceScope] = field(default_factory=dict)

    def __post_init__(self) -> None:
        allowed = self.options.allowed_networks
        self.scopes = {sid: SourceScope.of(s, allowed) for sid, s in self.sources.items()}

    def record_error(self, source_id: str, kind: str, url: str) -> None:
        """Count an error of ``kind`` and keep a few example URLs for the run report."""
        self.tally.of(source_id).error(kind)
        samples = self.error_samples.setdefault(kind, [])
        if len(samples) < 5:
            samples.append(url)


def never_known(urls: Iterable[str]) -> set[str]:
    """A KnownFilter for crawls that must fetch everything (``--refresh``)."""
    return set()
