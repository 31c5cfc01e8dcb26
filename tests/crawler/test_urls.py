"""URL canonicalisation: one spelling per page, before requests are deduplicated."""

from __future__ import annotations

import pytest

from crawler.urls import canonical_url, host_of, is_within


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "HTTP://WWW.Example.SN/Actu/Un?utm_source=fb&utm_medium=x",
            "http://www.example.sn/Actu/Un",
        ),
        ("https://example.sn/a?fbclid=IwAR0&id=4", "https://example.sn/a?id=4"),
        ("https://example.sn/a?gclid=1&b=2&a=1#commentaires", "https://example.sn/a?a=1&b=2"),
        ("https://example.sn:443/a", "https://example.sn/a"),
        ("http://example.sn:8080/a", "http://example.sn:8080/a"),
        ("https://example.sn", "https://example.sn/"),
    ],
)
def test_canonical_url(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected


def test_tracking_variants_collapse_to_one_url() -> None:
    variants = [
        "https://lesoleil.sn/article-1?utm_source=rss&utm_campaign=x",
        "https://LESOLEIL.sn/article-1#top",
        "HTTPS://lesoleil.sn/article-1?fbclid=abc",
        "https://lesoleil.sn/article-1",
    ]
    assert len({canonical_url(url) for url in variants}) == 1


def test_path_case_and_meaningful_query_are_kept() -> None:
    assert canonical_url("https://a.sn/Page?id=7") != canonical_url("https://a.sn/page?id=7")
    assert canonical_url("https://a.sn/p?id=7") != canonical_url("https://a.sn/p?id=8")


def test_hosts_and_subdomains() -> None:
    assert host_of("https://News.Abidjan.net/x") == "news.abidjan.net"
    assert is_within("news.abidjan.net", {"abidjan.net"})
    assert is_within("abidjan.net", {"abidjan.net"})
    assert not is_within("evilabidjan.net", {"abidjan.net"})
    assert not is_within("abidjan.net.evil.com", {"abidjan.net"})
