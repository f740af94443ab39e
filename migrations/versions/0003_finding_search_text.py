"""findings: accent-folded search text

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from qms.text import fold

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_findings = sa.table("finding", sa.column("id", sa.Integer), sa.column("code", sa.String),
                     sa.column("clause", sa.String), sa.column("statement", sa.String),
                     sa.column("evidence", sa.String), sa.column("search_text", sa.String))


def upgrade() -> None:
    with op.batch_alter_table("finding") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    conn = op.get_bind()
    rows = conn.execute(sa.select(_findings)).all()
    for start in range(0, len(rows), 5000):
        conn.execute(_findings.update().where(_findings.c.id == sa.bindparam("row_id"))
                     .values(search_text=sa.bindparam("folded")),
                     [{"row_id": r.id, "folded": fold(" ".join([r.code or "", r.clause, r.statement, r.evidence]))}
                      for r in rows[start:start + 5000]])


def downgrade() -> None:
    with op.batch_alter_table("finding") as batch:
        batch.drop_column("search_text")
