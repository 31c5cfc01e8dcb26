"""pages and articles: how the page reached kibaru (crawl, backfill or import)

A live crawl, a backfill of an outlet's past and an import from a WARC file go through the same
stages into the same tables; ``origin`` tells them apart. Rows stored before this revision came
from live crawls: the server default fills them with ``crawl``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("pages", "articles"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("origin", sa.String(16), nullable=False, server_default="crawl")
            )


def downgrade() -> None:
    for table in ("articles", "pages"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("origin")
