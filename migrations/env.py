"""Alembic environment: the engine comes from qms.db (or the caller), metadata from qms.models."""

from alembic import context
from sqlmodel import SQLModel

import qms.models  # noqa: F401  (registers the tables)
from qms.db import get_engine

target_metadata = SQLModel.metadata
engine = context.config.attributes.get("engine") or get_engine()

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
