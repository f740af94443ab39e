"""checklist items: accent-folded search text

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from qms.text import fold

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_items = sa.table("checklistitem", sa.column("id", sa.Integer), sa.column("item_key", sa.String),
                  sa.column("clause", sa.String), sa.column("text_vi", sa.String), sa.column("text_en", sa.String),
                  sa.column("guidance_vi", sa.String), sa.column("guidance_en", sa.String),
                  sa.column("search_text", sa.String))


def search_text(row) -> str:
    """Kept in step with qms.checklists.search_text (a migration must not change when the app does)."""
    return fold(" ".join([row.item_key, row.clause, row.text_vi, row.text_en, row.guidance_vi, row.guidance_en]))


def upgrade() -> None:
    with op.batch_alter_table("checklistitem") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    conn = op.get_bind()
    rows = conn.execute(sa.select(_items)).all()
    if rows:
        conn.execute(_items.update().where(_items.c.id == sa.bindparam("row_id"))
                     .values(search_text=sa.bindparam("folded")),
                     [{"row_id": r.id, "folded": search_text(r)} for r in rows])


def downgrade() -> None:
    with op.batch_alter_table("checklistitem") as batch:
        batch.drop_column("search_text")
