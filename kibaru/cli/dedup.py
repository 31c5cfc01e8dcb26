"""``kibaru dedup``: maintain the near-duplicate index."""

from __future__ import annotations

import redis
import typer

from kibaru.cli.common import console, fail, get_settings, open_store_or_fail

dedup_app = typer.Typer(help="Maintain the duplicate index.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(dedup_app, name="dedup")


@dedup_app.command("rebuild")
def rebuild() -> None:
    """Rebuild the index from the stored signatures.

    The index lives in Redis when KIBARU_REDIS_URL (or a redis:// KIBARU_BROKER_URL) is set,
    else in the database. Articles keep their cluster_id and duplicate_of; entries of stories
    that were never stored are dropped. A Redis index of an earlier layout is rebuilt in the
    current one (workers refuse the old one and say to run this). Stop the workers first:
    stories processed during a rebuild may not see each other.
    """
    settings = get_settings()
    store = open_store_or_fail(settings)
    # The stages load in a second: only when needed.
    from workers.stages.dedup.service import open_dedup

    dedup = open_dedup(settings, store, for_rebuild=True)
    try:
        count = dedup.rebuild()
    except redis.RedisError as exc:
        fail(
            f"cannot rebuild the dedup index in Redis at {settings.effective_redis_url}: {exc}. "
            "Check that Redis is running, or fix KIBARU_REDIS_URL / KIBARU_BROKER_URL"
        )
    finally:
        dedup.close()
        store.dispose()
    console.print(
        f"dedup index rebuilt in the {dedup.backend}: {count} stored articles indexed",
        highlight=False,
    )
