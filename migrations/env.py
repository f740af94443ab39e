"""Alembic environment: the engine comes from qms.db (or the caller), metadata from qms.models."""

from alembic import context
from sqlmodel import SQLModel

import qms.models  # noqa: F401  (registers the tables)
from qms.db import get_engine

target_metadata = SQLModel.metadata
engine = context.config.attributes.get("engine") or get_engine()

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode rebuilds a table (copy, drop, rename): with foreign keys enforced, dropping `user` fails as
        # soon as a role or a unit membership points at it. Off for the migration, checked after, on again.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() if sqlite else []
    finally:
        if sqlite:  # the connection goes back to the pool: it must enforce keys again, whatever happened
            connection.rollback()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
    if broken:
        raise RuntimeError(f"the migration left rows pointing at missing rows: {broken[:5]}")
