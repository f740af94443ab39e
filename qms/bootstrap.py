"""Bring a database to a usable state: schema at head, bundled checklists loaded; and check that it is.

`python -m qms init` is the one step that migrates. Several app servers may start it at the same moment: the
first takes a lock (a PostgreSQL advisory lock; on SQLite an exclusive lock on a file beside the database), the
others wait for it and then find nothing left to do. App servers themselves never migrate: `require_current`
refuses a database whose schema is behind the code.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from qms import auth, checklists, db
from qms.errors import QMSError

# Any number the app's own database uses for nothing else: "QMS" and the init step.
_ADVISORY_KEY = 0x514D5301


class SchemaBehind(QMSError):
    """The database was not brought to this version of the app's schema (`python -m qms init` does)."""

    def __init__(self, found: str | None, needed: str | None) -> None:
        super().__init__("error.schema_behind", found=found or "—", needed=needed or "—")
        self.found, self.needed = found, needed


@contextmanager
def _one_at_a_time(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _ADVISORY_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})
                conn.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".init-lock")
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, even if the process dies
        yield


def init(engine: Engine | None = None) -> list[checklists.LoadResult]:
    """Create or upgrade the schema and load bundled checklists (idempotent, safe to run from several servers)."""
    engine = engine or db.get_engine()
    with _one_at_a_time(engine):
        db.migrate(engine)
        with db.session_scope(engine) as session:
            # Made here, under the lock, so app servers started together never each make their own and then
            # refuse one another's session cookies.
            auth.secret_key(session)
            return checklists.load_bundled(session)


def require_current(engine: Engine | None = None) -> str:
    """The schema revision, if it is the one this code needs; SchemaBehind otherwise."""
    engine = engine or db.get_engine()
    found, needed = db.current_revision(engine), db.head_revision(engine)
    if found != needed:
        raise SchemaBehind(found, needed)
    return found
