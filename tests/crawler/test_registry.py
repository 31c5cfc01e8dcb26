"""The built-in registry, and operator files merged over it."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.registry import RegistryError, load_registry

AGENCIES = {"aps", "amap", "aib", "aip", "anp", "agp", "atop", "abp", "nan", "gna", "ami",
            "inforpress", "ang"}


def test_builtin_registry_covers_the_region() -> None:
    registry = load_registry()
    assert len(registry) >= 60
    countries = {source.country for source in registry.values()}
    assert len(countries) >= 14
    assert {"SN", "ML", "BF", "CI", "NE", "GN", "NG", "GH", "TG", "BJ", "GM", "SL", "LR", "MR",
            "CV", "GW"} <= countries
    assert {source.language for source in registry.values()} >= {"fr", "en", "pt"}
    assert set(registry) >= AGENCIES
    assert all(registry[sid].kind == "agency" for sid in AGENCIES)


def test_builtin_homepages_are_distinct_https_sites() -> None:
    registry = load_registry()
    homepages = [source.homepage for source in registry.values()]
    assert len(set(homepages)) == len(homepages)
    assert all(url.startswith("https://") for url in homepages)


def test_operator_file_adds_and_overrides(tmp_path: Path) -> None:
    extra = tmp_path / "mine.yaml"
    extra.write_text(
        "sources:\n"
        "  - {id: aps, name: APS, country: SN, language: fr, homepage: 'https://aps.sn/',"
        " feeds: ['https://aps.sn/feed/']}\n"
        "  - {id: local, name: Local, country: ML, language: fr,"
        " homepage: 'http://127.0.0.2:8000/', article_pattern: '/story/'}\n"
    )
    registry = load_registry([extra])
    assert registry["aps"].feeds == ["https://aps.sn/feed/"]
    assert registry["aps"].kind == "agency"  # kept from the built-in entry
    assert registry["local"].discovery == "listings"
    assert registry["aps"].discovery == "feeds"


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ("{id: x, name: X, country: Mali, language: fr, homepage: 'https://x.ml/'}", "country"),
        ("{id: x, name: X, country: ML, language: fr, homepage: 'ftp://x.ml/'}", "homepage"),
        (
            "{id: x, name: X, country: ML, language: fr, homepage: 'https://x.ml/',"
            " article_pattern: '(unclosed'}",
            "article_pattern",
        ),
        (
            "{id: x, name: X, country: ML, language: fr, homepage: 'https://x.ml/',"
            " feeds: ['not a url']}",
            "feeds",
        ),
        (
            "{id: x, name: X, country: ML, language: fr, homepage: 'https://x.ml/', colour: red}",
            "colour",
        ),
    ],
)
def test_malformed_file_names_file_entry_and_field(tmp_path: Path, entry: str, field: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"sources:\n  - {entry}\n")
    with pytest.raises(RegistryError) as caught:
        load_registry([bad])
    message = str(caught.value)
    assert str(bad) in message
    assert "source x" in message
    assert field in message


def test_not_a_sources_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just a list\n")
    with pytest.raises(RegistryError, match="sources:"):
        load_registry([bad])
    with pytest.raises(RegistryError, match="no such sources file"):
        load_registry([tmp_path / "missing.yaml"])
