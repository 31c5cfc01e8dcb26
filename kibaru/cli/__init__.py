"""The ``kibaru`` command line: one module per command group, assembled here."""

from __future__ import annotations

import gc

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
    try:
        app()
    finally:
        # Whatever is left when a command ends goes with the process. Frozen, it is not walked
        # by the collector at exit: a crawl's exit took 0.33 s with that walk, 0.05 s without.
        # (Files, connections and logs are closed by then: the commands close what they open.)
        gc.freeze()
