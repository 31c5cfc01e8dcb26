"""``kibaru sources``: the registry by country; ``kibaru sources check``: what sites offer."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from crawler.registry import RegistryError, Source, load_registry
from kibaru.cli.common import console, fail, get_settings

sources_app = typer.Typer(
    help="The source registry: list it, or check what each site offers.",
    invoke_without_command=True,
)
SOURCES_OPTION = typer.Option(
    None, "--sources", help="A sources file merged over the built-in registry."
)


def register(app: typer.Typer) -> None:
    app.add_typer(sources_app, name="sources")


def registry_for(sources_file: Path | None) -> dict[str, Source]:
    """The registry these settings and `--sources` file make; a bad file fails cleanly."""
    settings = get_settings()
    try:
        return load_registry([settings.sources, sources_file], builtin=settings.builtin_sources)
    except RegistryError as exc:
        fail(str(exc))


@sources_app.callback()
def list_sources(
    ctx: typer.Context,
    sources_file: Path = SOURCES_OPTION,
    country: str = typer.Option(None, "--country", help="Only this country (ISO code, e.g. ML)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line instead."),
) -> None:
    """List the sources by country, with language, kind and discovery mode."""
    if ctx.invoked_subcommand is not None:
        return
    registry = registry_for(sources_file)
    chosen = sorted(
        (s for s in registry.values() if country is None or s.country == country.upper()),
        key=lambda s: (s.country, s.id),
    )
    if as_json:
        for source in chosen:
            console.print_json(json.dumps(source.model_dump(mode="json")), indent=None)
        return
    table = Table(show_header=True, header_style="bold")
    for column in ("country", "id", "name", "language", "kind", "discovery", "homepage"):
        table.add_column(column)
    previous = None
    for source in chosen:
        shown_country = source.country if source.country != previous else ""
        previous = source.country
        table.add_row(
            *(escape(cell) for cell in (shown_country, source.id, source.name, source.language,
              source.kind, source.discovery, source.homepage)),
        )
    console.print(table)
    countries = len({s.country for s in chosen})
    console.print(f"{len(chosen)} sources in {countries} countries", highlight=False)


@sources_app.command("check")
def check(
    source_ids: list[str] = typer.Argument(None, help="Source ids (default: every source)."),
    sources_file: Path = SOURCES_OPTION,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per source instead."),
) -> None:
    """Fetch each source's robots.txt, homepage, feeds and sitemaps and report what is there."""
    from crawler.check import check_sources

    registry = registry_for(sources_file)
    unknown = [sid for sid in source_ids or [] if sid not in registry]
    if unknown:
        fail(f"unknown source id(s): {', '.join(unknown)} (see `kibaru sources` for the ids)")
    chosen = [registry[sid] for sid in source_ids] if source_ids else list(registry.values())
    reports = check_sources(chosen, get_settings())
    if as_json:
        for report in reports:
            console.print_json(json.dumps(report.as_dict()), indent=None)
        return
    table = Table(show_header=True, header_style="bold")
    for column in ("source", "robots.txt", "what", "address", "found"):
        table.add_column(column)
    for report in reports:
        robots = report.robots
        if report.homepage_allowed is False:
            robots += " (homepage disallowed!)"
        for index, finding in enumerate(report.findings):
            mark = "[green]ok[/]" if finding.ok else "[red]no[/]"
            table.add_row(
                escape(report.source) if index == 0 else "", escape(robots) if index == 0 else "",
                f"{finding.kind} {mark}", escape(finding.url), escape(finding.detail),
            )
    console.print(table)
