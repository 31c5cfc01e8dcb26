"""articles: the evidence each field of the record came from

``evidence`` is a JSON object, field name → the evidence its value was read from
("jsonld:headline", "family:wordpress", "trafilatura"…). Rows stored before this revision
keep it null: nothing recorded which evidence they came from.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("evidence")
