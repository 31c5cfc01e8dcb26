"""The ``kibaru`` command line: one module per command group, assembled here."""

from __future__ import annotations

import typer

from kibaru.cli import (
    backfill,
    crawl,
    db,
    dedup,
    export,
    extract,
    import_warc,
    operate,
    runs,
    sources,
    web,
)

app = typer.Typer(
    name="kibaru",
    help="Collect, clean, deduplicate and store West African news articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (
    db, export, sources, crawl, backfill, import_warc, runs, extract, dedup, operate, web
):
    module.register(app)


def main() -> None:
    """Console-script entry point."""
    app()
