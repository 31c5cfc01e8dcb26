"""articles: the id is the only unique key

The id is derived from the canonical URL, so the primary key already keeps one row per
canonical URL. A second unique constraint on ``canonical_url`` made concurrent upserts fail:
PostgreSQL's ``INSERT … ON CONFLICT`` resolves conflicts on its arbiter index only, and two
writers inserting the same new article at the same moment could collide on the other one
(``duplicate key value violates unique constraint``). A plain index keeps the lookups by
canonical URL fast.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_constraint("uq_articles_canonical_url", type_="unique")
        batch_op.create_index("ix_articles_canonical_url", ["canonical_url"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_canonical_url")
        batch_op.create_unique_constraint("uq_articles_canonical_url", ["canonical_url"])
