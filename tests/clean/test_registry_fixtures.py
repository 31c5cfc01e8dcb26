"""Fixtures and the registry agree: every fixture page belongs to a registry outlet (its folder
is the outlet's id, and so is its meta's ``source``), and every outlet with rules of its own
(``selectors``) has fixture pages exercising them."""

from __future__ import annotations

import json
from pathlib import Path

from crawler.registry import load_registry
from tests.clean.corpus import PAGES_DIR


def sources_without_fixture(registry_sources: dict[str, object], pages_dir: Path) -> list[str]:
    """Ids of sources with ``selectors`` but no ``<pages_dir>/<id>/*.html``."""
    return sorted(
        source_id
        for source_id, source in registry_sources.items()
        if getattr(source, "selectors", None) is not None
        and not any((pages_dir / source_id).glob("*.html"))
    )


def fixtures_outside_registry(registry_sources: dict[str, object], pages_dir: Path) -> list[str]:
    """One line per fixture page whose folder is no registry id, or whose meta names another
    source than its folder."""
    problems = []
    for meta_path in sorted(pages_dir.glob("*/*.meta.json")):
        folder = meta_path.parent.name
        key = f"{folder}/{meta_path.name.removesuffix('.meta.json')}"
        declared = json.loads(meta_path.read_text(encoding="utf-8")).get("source")
        if folder not in registry_sources:
            problems.append(f"{key}: {folder!r} is not a registry id")
        elif declared != folder:
            problems.append(f"{key}: its meta names source {declared!r}, not its folder {folder!r}")
    return problems


def test_every_fixture_belongs_to_a_registry_outlet() -> None:
    problems = fixtures_outside_registry(dict(load_registry()), PAGES_DIR)
    assert not problems, (
        "fixture pages live in tests/fixtures/pages/<registry id>/ and their meta.json says "
        '"source": "<registry id>" (see `kibaru sources`):\n' + "\n".join(problems)
    )


def test_the_check_fails_for_a_fixture_of_an_unknown_or_other_source(tmp_path: Path) -> None:
    def fixture(folder: str, source: object) -> None:
        (tmp_path / folder).mkdir(exist_ok=True)
        meta = {"url": "https://x.example/a", "source": source}
        (tmp_path / folder / "a.meta.json").write_text(json.dumps(meta), encoding="utf-8")

    fixture("essor", "essor")
    fixture("lessor", "lessor")
    fixture("aps", {"id": "aps", "name": "APS", "country": "SN", "language": "fr"})
    registry = {"essor": object(), "aps": object()}
    assert fixtures_outside_registry(registry, tmp_path) == [
        "aps/a: its meta names source {'id': 'aps', 'name': 'APS', 'country': 'SN', "
        "'language': 'fr'}, not its folder 'aps'",
        "lessor/a: 'lessor' is not a registry id",
    ]


def test_every_source_with_selectors_has_a_fixture() -> None:
    missing = sources_without_fixture(dict(load_registry()), PAGES_DIR)
    assert not missing, (
        f"sources with selectors but no fixture page: {missing}; add "
        f"tests/fixtures/pages/<id>/<name>.html + .meta.json and run "
        f"`python -m tests.clean.regenerate <id>`"
    )


def test_the_check_fails_for_a_source_with_overrides_and_no_fixture(tmp_path: Path) -> None:
    from crawler.registry import Selectors, Source

    with_rules = Source(
        id="newsite",
        name="New",
        country="SN",
        language="fr",
        homepage="https://new.example/",
        selectors=Selectors(body=".story"),
    )
    without_rules = Source(
        id="plain", name="Plain", country="SN", language="fr", homepage="https://plain.example/"
    )
    registry = {"newsite": with_rules, "plain": without_rules}
    assert sources_without_fixture(registry, tmp_path) == ["newsite"]
    (tmp_path / "newsite").mkdir()
    (tmp_path / "newsite" / "story.html").write_text("<p>x</p>")
    assert sources_without_fixture(registry, tmp_path) == []
