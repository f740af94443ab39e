"""Engine, sessions, SQLite pragmas and the migration runner."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, create_engine

from qms import config

T = TypeVar("T")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL lets the dashboard read while an auditor writes; the busy timeout rides out short write locks.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL for the whole process (the configured URL when none is given)."""
    return _engine(url or config.database_url())


@lru_cache(maxsize=16)
def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
        event.listen(engine, "before_cursor_execute", _no_nul_in_lookups, retval=True)
    return engine


def _without_nul(value: Any) -> Any:
    return value.replace("\x00", "\ufffd") if isinstance(value, str) and "\x00" in value else value


def _no_nul_in_lookups(_conn, _cursor, statement, parameters, _context, _executemany):
    """PostgreSQL refuses a NUL in any parameter (DataError), where SQLite just finds nothing. Writes never carry
    one (models.check_values refuses it first); in a lookup (a username, a search word) it becomes U+FFFD, which
    no stored text holds either, so both databases answer "nothing found"."""
    if isinstance(parameters, dict):
        if any(isinstance(v, str) and "\x00" in v for v in parameters.values()):
            parameters = {k: _without_nul(v) for k, v in parameters.items()}
    elif isinstance(parameters, (list, tuple)) and parameters and not isinstance(parameters[0], (dict, list, tuple)):
        if any(isinstance(v, str) and "\x00" in v for v in parameters):
            parameters = type(parameters)(_without_nul(v) for v in parameters)
    return statement, parameters


def insert(session: Session, model):
    """An INSERT for `model` in the session's dialect: both SQLite's and PostgreSQL's take `on_conflict_do_nothing`
    and `on_conflict_do_update`, which the core INSERT has not."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert
    return (sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert)(model)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that rolls back on error; callers commit explicitly."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
        except Exception:
            session.rollback()
            raise


UNIQUE_ATTEMPTS = 5


def retry_unique(fn: Callable[..., T]) -> Callable[..., T]:
    """Run a write again when a number it took (max + 1) was taken by another writer at the same moment.

    The unique index refuses the second writer; after a rollback its next attempt sees the first one's number.
    """
    @functools.wraps(fn)
    def run(session: Session, *args: Any, **kwargs: Any) -> T:
        for attempt in range(UNIQUE_ATTEMPTS):
            try:
                return fn(session, *args, **kwargs)
            except IntegrityError:
                session.rollback()
                if attempt == UNIQUE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")
    return run


def alembic_config(engine: Engine | None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(config.ROOT / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return _head()


@lru_cache(maxsize=1)
def _head() -> str | None:
    """The newest migration, read once per process (loading the scripts took 13 ms, on every /healthz)."""
    return ScriptDirectory.from_config(alembic_config(None)).get_current_head()


def migrate(engine: Engine | None = None, revision: str = "head") -> None:
    """Upgrade the schema to `revision` (idempotent)."""
    engine = engine or get_engine()
    if revision == "head" and current_revision(engine) == head_revision(engine):
        return
    command.upgrade(alembic_config(engine), revision)
