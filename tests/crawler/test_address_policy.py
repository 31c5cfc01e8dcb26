"""The address policy and the one fetch helper outside Scrapy.

Private and link-local addresses come from a resolver stub (nothing here ever connects to
one); what is really fetched is served by HTTP servers on loopback addresses.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator

import pytest

from crawler import netguard
from crawler.context import SourceScope
from crawler.fetch import FetchError, fetch
from crawler.middlewares import GuardRefused, SourceGuardMiddleware
from crawler.netguard import AddressPolicy, address_class
from crawler.registry import Source
from kibaru.settings import parse_networks
from tests.crawler.outlets import FakeOutlet

UA = "kibaru-test"


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[str, ...]]:
    """A resolver stub: names in the dict resolve to its addresses, others not at all
    (IP literals resolve to themselves, as with the real resolver)."""
    answers: dict[str, tuple[str, ...]] = {}

    def lookup(host: str) -> tuple[str, ...]:
        try:
            return (str(ipaddress.ip_address(host.strip("[]"))),)
        except ValueError:
            return answers.get(host, ())

    monkeypatch.setattr(netguard, "_lookup", lookup)
    return answers


@pytest.fixture
def site() -> Iterator[FakeOutlet]:
    outlet = FakeOutlet("127.0.0.91").start()
    yield outlet
    outlet.stop()


def test_address_classes() -> None:
    assert address_class("8.8.8.8") == "public"
    assert address_class("127.0.0.2") == address_class("::1") == "loopback"
    for private in ("10.0.0.1", "172.16.5.4", "192.168.1.1", "100.64.0.1", "fd00::1"):
        assert address_class(private) == "private", private
    for link_local in ("169.254.169.254", "fe80::1", "::ffff:169.254.169.254"):
        assert address_class(link_local) == "link_local", link_local
    assert address_class("64:ff9b::a9fe:a9fe") == "link_local"  # NAT64 of the metadata address
    for reserved in ("0.0.0.0", "240.0.0.1", "255.255.255.255", "224.0.0.1", "192.0.2.7", "::"):
        assert address_class(reserved) == "reserved", reserved


def test_policy_after_resolution(dns: dict[str, tuple[str, ...]]) -> None:
    dns.update(
        {
            "news.example": ("93.184.216.34",),
            "intranet.example": ("10.0.0.1",),
            "metadata.example": ("169.254.169.254",),
            "mixed.example": ("93.184.216.34", "10.1.1.1"),
        }
    )
    nobody = AddressPolicy()
    assert nobody.refusal("news.example") is None
    assert nobody.refusal("intranet.example") == "private_address"
    assert nobody.refusal("metadata.example") == "link_local_address"
    assert nobody.refusal("mixed.example") == "private_address"  # any address refused: refused
    assert nobody.refusal("gone.example") == "dns"
    living_there = AddressPolicy(private_hosts=frozenset({"intranet.example", "metadata.example"}))
    assert living_there.refusal("intranet.example") is None
    assert living_there.refusal("metadata.example") == "link_local_address"  # needs the setting
    allowed = AddressPolicy(allowed_networks=parse_networks("169.254.169.254/32, 10.0.0.0/8"))
    assert allowed.refusal("metadata.example") is None
    assert allowed.refusal("intranet.example") is None


def test_a_source_on_a_link_local_address_is_refused_unless_allowed(
    dns: dict[str, tuple[str, ...]],
) -> None:
    dns.update({"metadata.example": ("169.254.169.254",), "intranet.example": ("192.168.4.4",)})
    metadata = Source(
        id="meta", name="M", country="SN", language="fr", homepage="http://metadata.example/latest/"
    )
    intranet = Source(
        id="intra", name="I", country="SN", language="fr", homepage="http://intranet.example/"
    )
    assert SourceScope.of(metadata).policy.refusal("metadata.example") == "link_local_address"
    assert SourceScope.of(intranet).policy.refusal("intranet.example") is None
    allowed = SourceScope.of(metadata, parse_networks("169.254.0.0/16"))
    assert allowed.policy.refusal("metadata.example") is None


def test_the_crawl_guard_refuses_a_link_local_homepage(dns: dict[str, tuple[str, ...]]) -> None:
    from scrapy import Request

    from crawler.context import CrawlContext, CrawlOptions

    dns["metadata.example"] = ("169.254.169.254",)
    source = Source(
        id="meta", name="M", country="SN", language="fr", homepage="http://metadata.example/"
    )

    class Spider:
        context = CrawlContext(
            sources={"meta": source},
            options=CrawlOptions(),
            known=lambda urls: set(),
            submit=lambda page: None,
        )

    class Crawler:
        spider = Spider()

    guard = SourceGuardMiddleware(Crawler())  # type: ignore[arg-type]
    with pytest.raises(GuardRefused) as refused:
        guard.process_request(Request("http://metadata.example/", meta={"source": "meta"}))
    assert refused.value.reason == "link_local_address"
    assert Spider.context.tally.of("meta").counts["requests"] == 0  # nothing went out


def test_fetch_refuses_private_and_link_local_hosts_before_connecting(
    dns: dict[str, tuple[str, ...]],
) -> None:
    dns.update({"metadata.example": ("169.254.169.254",), "intranet.example": ("10.0.0.1",)})
    for url, kind in (
        ("http://metadata.example/latest/meta-data/", "link_local_address"),
        ("http://intranet.example/admin", "private_address"),
        ("http://169.254.169.254/latest/meta-data/", "link_local_address"),
        ("http://nowhere.example/", "dns"),
    ):
        with pytest.raises(FetchError) as error:
            fetch(url, user_agent=UA, policy=AddressPolicy(), max_bytes=1000, timeout=5)
        assert error.value.kind == kind, url


def test_a_redirect_to_a_link_local_host_is_refused(
    dns: dict[str, tuple[str, ...]], site: FakeOutlet
) -> None:
    dns["metadata.example"] = ("169.254.169.254",)
    site.add("/story", b"", status=302, Location="http://metadata.example/latest/meta-data/")
    # The site itself is allowed by the operator; its redirect's target is not.
    policy = AddressPolicy(allowed_networks=parse_networks("127.0.0.91"))
    with pytest.raises(FetchError) as error:
        fetch(site.url("/story"), user_agent=UA, policy=policy, max_bytes=1000, timeout=5)
    assert error.value.kind == "link_local_address"
    assert site.requests == ["/story"]


def test_the_connection_goes_to_the_address_that_was_checked(
    dns: dict[str, tuple[str, ...]], site: FakeOutlet
) -> None:
    dns["outlet.example"] = ("127.0.0.91",)
    site.add("/page", b"<html><body>ok</body></html>")
    policy = AddressPolicy(private_hosts=frozenset({"outlet.example"}))
    url = f"http://outlet.example:{site.port}/page"
    fetched = fetch(url, user_agent=UA, policy=policy, max_bytes=1000, timeout=5)
    assert (fetched.status, fetched.body) == (200, b"<html><body>ok</body></html>")
    assert site.requests == ["/page"] and site.user_agents == {UA}


def test_a_slow_drip_is_cut_at_the_deadline(site: FakeOutlet) -> None:
    def drip() -> Iterator[bytes]:
        for _ in range(60):
            yield b"x"
            time.sleep(1)

    site.add("/drip", drip)
    policy = AddressPolicy(allowed_networks=parse_networks("127.0.0.91"))
    started = time.monotonic()
    with pytest.raises(FetchError) as error:
        fetch(site.url("/drip"), user_agent=UA, policy=policy, max_bytes=10_000, timeout=2)
    assert error.value.kind == "timeout"
    assert time.monotonic() - started < 10


def test_redirect_loops_and_size_caps(site: FakeOutlet) -> None:
    site.add("/a", b"", status=301, Location="/b")
    site.add("/b", b"", status=301, Location="/a")
    site.add("/big", b"x" * 5000)
    policy = AddressPolicy(allowed_networks=parse_networks("127.0.0.91"))
    with pytest.raises(FetchError) as loop:
        fetch(site.url("/a"), user_agent=UA, policy=policy, max_bytes=1000, timeout=5)
    assert loop.value.kind == "redirect_loop"
    with pytest.raises(FetchError) as big:
        fetch(site.url("/big"), user_agent=UA, policy=policy, max_bytes=1000, timeout=5)
    assert big.value.kind == "too_large"


def test_allowed_networks_setting_is_checked() -> None:
    from pydantic import ValidationError

    from kibaru.settings import Settings

    assert Settings(allowed_networks="169.254.169.254, 10.0.0.0/8").allowed_network_list == (
        ipaddress.ip_network("169.254.169.254/32"),
        ipaddress.ip_network("10.0.0.0/8"),
    )
    with pytest.raises(ValidationError, match="not a network"):
        Settings(allowed_networks="metadata")


def test_other_spellings_of_an_address_are_refused_too() -> None:
    # Numeric forms the C resolver accepts without asking any server: no DNS, no connection.
    nobody = AddressPolicy()
    for host in ("2852039166", "0251.0376.0251.0376", "0xa9fea9fe", "[::ffff:a9fe:a9fe]"):
        assert nobody.refusal(host) == "link_local_address", host
    assert nobody.refusal("127.1") == "private_address"
    assert nobody.refusal("0") == "reserved_address"
    with pytest.raises(FetchError) as error:
        fetch("http://2852039166/latest/", user_agent=UA, policy=nobody, max_bytes=10, timeout=5)
    assert error.value.kind == "link_local_address"
