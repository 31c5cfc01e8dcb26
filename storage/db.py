"""Connecting to the store: engines, sessions, migrations, and clear errors.

``open_store(url)`` is what callers use: it connects, upgrades the schema to the newest
migration on first use, and returns a :class:`Store` holding the engine and a session factory.
Problems the operator can fix (unreachable server, a file that is not a database, a bad URL)
raise :class:`StoreError` whose message names ``KIBARU_DATABASE_URL``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
SETTING = "KIBARU_DATABASE_URL"


class StoreError(RuntimeError):
    """The store cannot be used; the message says which setting to fix and how."""


# alembic (with Mako and Pygments, about 11 MB resident) is imported by the functions that
# migrate, not with the module: a worker's pool processes open the store without migrating
# (their parent did, see workers.queue.context) and never load it.


def _alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _describe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def store_location(url: str) -> str:
    """Where the store of ``url`` is, for a person: a SQLite file's absolute path, else the URL
    without its password."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return f"the SQLite file {Path(parsed.database).resolve()}"
    return _describe(url)


def make_engine(url: str, *, pre_ping: bool = True) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys.

    ``pre_ping`` tests each pooled server connection before use (one more round trip per
    session). Callers that retry on a dead connection anyway (the worker tasks) turn it off.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(
            f"{SETTING}={url!r} is not a database URL; use e.g. sqlite:///kibaru.db or "
            "postgresql+psycopg://user@host/db"
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL syncs at checkpoints instead of every commit: the file stays
            # consistent through a crash, and only the last commits before a power loss can
            # be lost (pages a later crawl fetches again). A page costs two commits.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    try:
        return create_engine(url, pool_pre_ping=pre_ping, pool_size=5, max_overflow=10)
    except (ArgumentError, ModuleNotFoundError) as exc:
        raise StoreError(f"{SETTING}={_describe(url)}: {exc}") from exc


def _explain(url: str, exc: Exception) -> StoreError:
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else repr(exc)
    if make_url(url).get_backend_name() == "sqlite":
        return _explain_sqlite(url, reason)
    return StoreError(
        f"cannot use the database at {SETTING}={_describe(url)}: {reason}. "
        f"Check that the server is running and reachable, or set {SETTING} to another URL"
    )


def _explain_sqlite(url: str, reason: str) -> StoreError:
    """A SQLite file has no server: the advice is about the file and its directory."""
    database = make_url(url).database or ":memory:"
    if "not a database" in reason:
        return StoreError(
            f"{SETTING}={_describe(url)}: the file is not a SQLite database; point "
            f"{SETTING} at a new or existing kibaru database file"
        )
    if "readonly" in reason or "read-only" in reason:
        return StoreError(
            f"{SETTING}={_describe(url)}: the database file {database} is read-only; make it "
            "and its directory writable (SQLite writes a -wal and a -shm file beside it), or "
            f"point {SETTING} at another file"
        )
    if "unable to open" in reason:
        return StoreError(
            f"{SETTING}={_describe(url)}: cannot open the database file {database}; check "
            f"that its directory exists and is writable, or point {SETTING} at another file"
        )
    return StoreError(
        f"cannot use the SQLite file at {SETTING}={_describe(url)}: {reason}. Check the file "
        f"and its directory, or point {SETTING} at another file"
    )


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(url: str = "sqlite://") -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(url)).get_current_head()


_upgrade_lock = threading.Lock()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``, by default the newest migration (idempotent; safe to
    run on every start)."""
    from alembic import command

    url = engine.url.render_as_string(hide_password=False)
    config = _alembic_config(url)
    with _upgrade_lock:
        try:
            with engine.begin() as connection:
                if engine.dialect.name == "postgresql":
                    # Two processes upgrading at once: one waits for the other.
                    connection.exec_driver_sql("SELECT pg_advisory_xact_lock(4820171)")
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
        except (OperationalError, DatabaseError) as exc:
            raise _explain(url, exc) from exc


@dataclass
class Store:
    """An opened store: the engine and a session factory."""

    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success, rolled back on error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def autocommit(self) -> Iterator[Connection]:
        """A connection in autocommit mode, for one statement that is atomic by itself.

        It saves the BEGIN and COMMIT round trips of :meth:`session` on the per-page writes
        and reads; anything that must be atomic across statements uses :meth:`session`.
        """
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def _check_writable(engine: Engine) -> None:
    """Write to a SQLite file and roll back: a read-only file fails here, before a command
    has done any work, rather than at its first write (taking the write lock alone does not
    fail on a read-only file in WAL mode)."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            version = connection.exec_driver_sql("PRAGMA user_version").scalar()
            connection.exec_driver_sql(f"PRAGMA user_version = {int(version or 0)}")
        finally:
            connection.exec_driver_sql("ROLLBACK")


def open_store(
    url: str, *, migrate: bool = True, pre_ping: bool = True, write: bool = False
) -> Store:
    """Connect to ``url`` and (by default) upgrade its schema; raise StoreError on failure.

    ``pre_ping``: see :func:`make_engine`. ``write``: the caller will write (a crawl, a
    rerun), so a store that can only be read is refused now, with the fix.
    """
    engine = make_engine(url, pre_ping=pre_ping)
    try:
        if migrate:
            if current_revision(engine) != head_revision(url):
                upgrade(engine)
        else:
            with engine.connect():
                pass
        if write:
            _check_writable(engine)
    except (OperationalError, DatabaseError) as exc:
        engine.dispose()
        raise _explain(url, exc) from exc
    except StoreError:
        engine.dispose()
        raise
    return Store(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))
