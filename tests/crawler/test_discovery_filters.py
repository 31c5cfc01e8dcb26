"""The spider's candidate filter: canonical dedup, article_pattern, --since, stored URLs
(checked in batches), --limit. Driven directly, with a fake store lookup run inline (a crawl
runs it on a thread of the reactor's pool)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

from scrapy.http import Request

from crawler.context import CrawlContext, CrawlOptions
from crawler.feeds import Entry
from crawler.registry import Source
from crawler.spiders.news import NewsSpider

SOURCE = Source(id="essor", name="L'Essor", country="ML", language="fr",
                homepage="https://www.essor.ml/", article_pattern=r"/\d{4}/")


class RecordingKnown:
    """A fake store lookup that records each batch it is asked about."""

    def __init__(self, stored: set[str]) -> None:
        self.stored = stored
        self.batches: list[list[str]] = []

    def __call__(self, urls: list[str]) -> set[str]:
        self.batches.append(list(urls))
        return self.stored & set(urls)


def spider(known: RecordingKnown, **options: object) -> NewsSpider:
    context = CrawlContext(
        sources={SOURCE.id: SOURCE},
        options=CrawlOptions(**options),  # type: ignore[arg-type]
        known=known,
        submit=lambda page: None,
    )
    news = NewsSpider(context=context)
    news.off_reactor = inline  # type: ignore[method-assign]
    return news


async def inline(function: Callable[[list[str]], set[str]], urls: list[str]) -> set[str]:
    return function(urls)


def collect(requests: AsyncIterator[Request]) -> list[Request]:
    async def gather() -> list[Request]:
        return [request async for request in requests]

    return asyncio.run(gather())


def day(number: int) -> datetime:
    return datetime(2025, 2, number, tzinfo=UTC)


def test_one_batched_lookup_and_canonical_dedup() -> None:
    known = RecordingKnown({"https://www.essor.ml/2025/stored"})
    news = spider(known)
    entries = [Entry(f"https://www.essor.ml/2025/a{i}?utm_source=rss") for i in range(300)]
    entries += [Entry(f"https://WWW.essor.ml/2025/a{i}#top") for i in range(300)]
    entries += [Entry("https://www.essor.ml/2025/stored"), Entry("https://www.essor.ml/rubrique/")]
    entries += [Entry("https://elsewhere.ml/2025/x")]
    requests = collect(news.articles(SOURCE, entries))
    assert len(known.batches) == 1  # one lookup for 301 candidates, not one per URL
    assert len(known.batches[0]) == 301
    assert len(requests) == 300
    assert all("utm_" not in r.url and "#" not in r.url for r in requests)
    tally = news.context.tally.of(SOURCE.id).as_dict()
    assert (tally["discovered"], tally["known"]) == (301, 1)
    # Seen again later in the run (another feed): not even looked up again.
    assert collect(news.articles(SOURCE, entries[:5])) == []
    assert len(known.batches) == 1


def test_since_limit_and_newest_first() -> None:
    known = RecordingKnown(set())
    news = spider(known, limit=2, since=day(3))
    entries = [Entry(f"https://www.essor.ml/2025/d{n}", day(n)) for n in (1, 2, 4, 5, 6)]
    requests = collect(news.articles(SOURCE, entries))
    assert [r.url.rsplit("/", 1)[1] for r in requests] == ["d6", "d5"]
    assert requests[0].meta["hints"] == {"published_at": day(6).isoformat()}
    tally = news.context.tally.of(SOURCE.id).as_dict()
    assert (tally["old"], tally["over_limit"]) == (2, 1)
    # The budget is per source and per run: nothing more once it is spent.
    assert collect(news.articles(SOURCE, [Entry("https://www.essor.ml/2025/d9", day(9))])) == []


def test_refresh_skips_the_lookup() -> None:
    known = RecordingKnown({"https://www.essor.ml/2025/a"})
    news = spider(known, refresh=True)
    requests = collect(news.articles(SOURCE, [Entry("https://www.essor.ml/2025/a")]))
    assert len(requests) == 1
    assert known.batches == []
