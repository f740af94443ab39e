"""units: accent-folded search text, so pickers find one of 10,000 units in SQL

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from qms.text import fold

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_units = sa.table("unit", sa.column("id", sa.Integer), sa.column("code", sa.String), sa.column("name", sa.String),
                  sa.column("search_text", sa.String))


def upgrade() -> None:
    with op.batch_alter_table("unit") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    conn = op.get_bind()
    rows = conn.execute(sa.select(_units.c.id, _units.c.code, _units.c.name)).all()
    for start in range(0, len(rows), 5000):
        conn.execute(_units.update().where(_units.c.id == sa.bindparam("row_id"))
                     .values(search_text=sa.bindparam("folded")),
                     [{"row_id": r.id, "folded": fold(f"{r.code} {r.name}")} for r in rows[start:start + 5000]])


def downgrade() -> None:
    with op.batch_alter_table("unit") as batch:
        batch.drop_column("search_text")
