"""The source registry: built-in per-country YAML files, plus operator files merged over them.

A sources file has the shape documented in docs/design.md (``sources: [ {id: …}, … ]``). An
entry in a later file with the same ``id`` replaces the built-in one field by field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

BUILTIN_DIR = Path(__file__).with_name("sources")
MAX_SOURCES_BYTES = 8 * 1024 * 1024  # thousands of sources fit in a megabyte


class RegistryError(ValueError):
    """A sources file cannot be used; the message names the file, the entry and the field."""


class CrawlPolicy(BaseModel):
    """Per-source politeness override; unset fields fall back to the settings."""

    model_config = ConfigDict(extra="forbid")

    concurrency: int | None = Field(default=None, ge=1, le=16)
    delay: float | None = Field(default=None, ge=0)
    autothrottle: bool | None = None


class Selectors(BaseModel):
    """Per-source CSS selectors for the cleaning and byline stages (all optional).

    ``drop`` lists elements removed before extraction (ads, related lists…).
    """

    model_config = ConfigDict(extra="forbid")

    body: str | None = None
    title: str | None = None
    date: str | None = None
    byline: str | None = None
    drop: list[str] = Field(default_factory=list)

    @field_validator("body", "title", "date", "byline", "drop")
    @classmethod
    def _css(cls, value: str | list[str] | None) -> str | list[str] | None:
        # An invalid selector would match nothing on every page, without a word.
        from workers.stages.clean.htmltree import selector_error

        for selector in [value] if isinstance(value, str) else value or []:
            error = selector_error(selector)
            if error:
                raise ValueError(f"{selector!r} is not a valid CSS selector: {error}")
        return value


class Source(BaseModel):
    """One outlet, as an operator declares it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str
    country: str = Field(pattern=r"^[A-Z]{2}$")
    language: str = Field(pattern=r"^[a-z]{2}$")
    homepage: str
    feeds: list[str] = Field(default_factory=list)
    sitemaps: list[str] = Field(default_factory=list)
    article_pattern: str | None = None
    listings: list[str] = Field(default_factory=list)
    domains: list[str] = Field(
        default_factory=list,
        description="Other hosts of the outlet (a CDN serving its sitemaps…); the homepage's "
        "host and those of its feeds, sitemaps and listings are always allowed.",
    )
    schedule: str | None = None
    crawl: CrawlPolicy = Field(default_factory=CrawlPolicy)
    selectors: Selectors | None = None
    kind: str = Field(default="outlet", description="agency | daily | portal | aggregator | …")

    @field_validator("homepage", "feeds", "sitemaps", "listings")
    @classmethod
    def _absolute_http(cls, value: str | list[str]) -> str | list[str]:
        for url in [value] if isinstance(value, str) else value:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{url!r} is not an absolute http(s) URL")
        return value

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None:
            from workers.queue.cron import ScheduleError, parse_cron  # Celery's parser, when needed

            try:
                parse_cron(value)
            except ScheduleError as exc:
                raise ValueError(str(exc).removeprefix("schedule: ")) from exc
        return value

    @field_validator("article_pattern")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value

    @property
    def domain(self) -> str:
        """The host of the homepage, without a leading ``www.``."""
        host = urlsplit(self.homepage).hostname or ""
        return host.removeprefix("www.")

    @property
    def discovery(self) -> str:
        """How URLs are found: the declared modes, or ``auto`` (discovered from the homepage)."""
        modes = [
            name
            for name, present in (
                ("feeds", self.feeds),
                ("sitemaps", self.sitemaps),
                ("listings", self.listings or self.article_pattern),
            )
            if present
        ]
        return "+".join(modes) or "auto"


def _read_text(path: Path) -> str:
    """The file's text, at most MAX_SOURCES_BYTES of it (a device or a pipe has no size)."""
    with path.open("rb") as handle:
        data = handle.read(MAX_SOURCES_BYTES + 1)
    if len(data) > MAX_SOURCES_BYTES:
        raise RegistryError(
            f"{path}: over {MAX_SOURCES_BYTES} bytes; is it a sources file? (KIBARU_SOURCES "
            "or --sources)"
        )
    return data.decode("utf-8")


def _read_entries(path: Path) -> list[dict[str, Any]]:
    try:
        raw = yaml.safe_load(_read_text(path))
    except FileNotFoundError as exc:
        raise RegistryError(
            f"{path}: no such sources file (check KIBARU_SOURCES or --sources)"
        ) from exc
    except IsADirectoryError as exc:
        raise RegistryError(
            f"{path}: is a directory; name a sources file (KIBARU_SOURCES or --sources)"
        ) from exc
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read it ({exc.strerror})") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{path}: not valid YAML: {exc}") from exc
    if raw is None:
        return []
    if not isinstance(raw, dict) or not isinstance(raw.get("sources"), list):
        raise RegistryError(f"{path}: expected a mapping with a 'sources:' list at the top")
    entries = raw["sources"]
    first_of: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise RegistryError(f"{path}: entry #{index + 1} is not a mapping")
        source_id = str(entry.get("id", ""))
        if source_id and source_id in first_of:
            # Merging them would label one site's articles with the other's name and country.
            first = first_of[source_id]
            raise RegistryError(
                f"{path}: entries #{first + 1} ({entries[first].get('name')!r}) and "
                f"#{index + 1} ({entry.get('name')!r}) both have id {source_id!r}; give each "
                "source its own id, or merge the two entries"
            )
        first_of.setdefault(source_id, index)
    return entries


def _validate(path: Path, index: int, entry: dict[str, Any]) -> Source:
    try:
        return Source.model_validate(entry)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(entry)"
        label = entry.get("id") or f"#{index + 1}"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise RegistryError(f"{path}: source {label!s}, field '{field}': {message}") from exc


def load_registry(
    extra_files: Iterable[Path | str | None] = (),
    *,
    builtin: bool = True,
    invalid: list[str] | None = None,
) -> dict[str, Source]:
    """The built-in sources (unless ``builtin`` is false), then each extra file merged over
    them, keyed by id.

    An entry that fails validation raises RegistryError, unless ``invalid`` is given (a
    long-running scheduler keeps the good sources): then its message is appended there and
    the source is left out. A file that cannot be read at all always raises.
    """
    registry: dict[str, Source] = {}
    builtin_files = sorted(BUILTIN_DIR.glob("*.yaml")) if builtin else []
    for path in builtin_files:
        for index, entry in enumerate(_read_entries(path)):
            source = _validate(path, index, entry)
            if source.id in registry:
                raise RegistryError(f"{path}: source {source.id}: id already used by another file")
            registry[source.id] = source
    for extra in extra_files:
        if extra is None:
            continue
        path = Path(extra)
        for index, entry in enumerate(_read_entries(path)):
            base = registry.get(str(entry.get("id", "")))
            merged = {**base.model_dump(exclude_unset=True), **entry} if base else entry
            try:
                source = _validate(path, index, merged)
            except RegistryError as exc:
                if invalid is None:
                    raise
                invalid.append(str(exc))
                # Half an override is not the operator's source either: leave it out.
                registry.pop(str(entry.get("id", "")), None)
                continue
            registry[source.id] = source
    return registry
