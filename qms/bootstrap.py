"""Bring a database to a usable state: schema at head, bundled checklists loaded."""

from __future__ import annotations

from sqlalchemy import Engine

from qms import checklists, db


def init(engine: Engine | None = None) -> list[checklists.LoadResult]:
    """Create or upgrade the schema and load bundled checklists (idempotent)."""
    engine = engine or db.get_engine()
    db.migrate(engine)
    with db.session_scope(engine) as session:
        return checklists.load_bundled(session)
