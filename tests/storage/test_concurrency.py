"""Concurrent writers against real PostgreSQL: the unique constraint keeps one row per URL."""

from __future__ import annotations

import multiprocessing
import random

from sqlalchemy import func, select

from storage.db import open_store
from storage.models import Article
from storage.repository import upsert_article

URLS = [f"https://www.lessor.site/article-{n}" for n in range(200)]


def _writer(url: str, seed: int) -> int:
    store = open_store(url)
    order = URLS[:]
    random.Random(seed).shuffle(order)
    inserted = 0
    for article_url in order:
        with store.session() as session:
            _, new = upsert_article(
                session,
                {
                    "url": article_url,
                    "canonical_url": article_url,
                    "source": "lessor",
                    "title": f"writer {seed}",
                    "text": "corps",
                },
            )
            inserted += new
    store.dispose()
    return inserted


def test_eight_processes_store_the_same_200_urls_once(pg_url: str) -> None:
    open_store(pg_url).dispose()  # migrate once, as `kibaru db upgrade` would
    context = multiprocessing.get_context("spawn")
    with context.Pool(8) as pool:
        inserted = pool.starmap(_writer, [(pg_url, seed) for seed in range(8)])
    store = open_store(pg_url)
    with store.session() as session:
        rows = session.scalar(select(func.count()).select_from(Article))
        distinct = session.scalar(select(func.count(func.distinct(Article.canonical_url))))
    store.dispose()
    assert rows == 200
    assert distinct == 200
    assert sum(inserted) == 200  # every URL reported "inserted" by exactly one writer


def test_concurrent_first_use_migrates_once(pg_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        pool.starmap(_writer, [(pg_url, seed) for seed in range(4)])
    store = open_store(pg_url)
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 200
    store.dispose()
