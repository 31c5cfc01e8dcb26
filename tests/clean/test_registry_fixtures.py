"""Every registry source that declares selectors has fixture pages exercising them."""

from __future__ import annotations

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
        id="newsite", name="New", country="SN", language="fr",
        homepage="https://new.example/", selectors=Selectors(body=".story"),
    )  # fmt: skip
    without_rules = Source(
        id="plain", name="Plain", country="SN", language="fr", homepage="https://plain.example/"
    )
    registry = {"newsite": with_rules, "plain": without_rules}
    assert sources_without_fixture(registry, tmp_path) == ["newsite"]
    (tmp_path / "newsite").mkdir()
    (tmp_path / "newsite" / "story.html").write_text("<p>x</p>")
    assert sources_without_fixture(registry, tmp_path) == []
