"""Which registered source an archived URL belongs to: the crawl's host rules, the most
specific host first, the source's article pattern."""

from __future__ import annotations

from crawler.registry import Source
from crawler.warc_import import SourceHosts
from crawler.warc_records import Skipped


def _source(source_id: str, homepage: str, **fields: object) -> Source:
    return Source.model_validate({"id": source_id, "name": source_id, "country": "SN",
                                  "language": "fr", "homepage": homepage, **fields})


HOSTS = SourceHosts([
    _source("aps", "https://www.aps.sn/", domains=["cdn-aps.net"]),
    _source("aps-en", "https://en.aps.sn/"),
    _source("lefaso", "https://lefaso.net/", article_pattern=r"spip\.php\?article\d+"),
])


def test_a_url_goes_to_the_source_of_its_host_or_of_the_nearest_parent() -> None:
    assert HOSTS.route("https://aps.sn/economie/riz.html") == "aps"
    assert HOSTS.route("https://www.aps.sn/economie/riz.html") == "aps"
    assert HOSTS.route("https://m.aps.sn/economie/riz.html") == "aps"
    assert HOSTS.route("https://en.aps.sn/economy/rice.html") == "aps-en"
    assert HOSTS.route("https://static.en.aps.sn/a.html") == "aps-en"
    assert HOSTS.route("http://CDN-APS.NET:8080/a.html") == "aps"


def test_other_hosts_and_other_pages_are_skipped_with_their_reason() -> None:
    assert HOSTS.route("https://aps.sn.example.org/a.html") == Skipped(
        "off_registry", "https://aps.sn.example.org/a.html", "aps.sn.example.org"
    )
    assert HOSTS.route("https://notaps.sn/a.html") == Skipped(
        "off_registry", "https://notaps.sn/a.html", "notaps.sn"
    )
    assert HOSTS.route("https://lefaso.net/spip.php?article134567") == "lefaso"
    assert HOSTS.route("https://lefaso.net/spip.php?rubrique2") == Skipped(
        "not_article_url", "https://lefaso.net/spip.php?rubrique2", "lefaso"
    )
    assert isinstance(HOSTS.route("http://[::1/broken"), Skipped)
