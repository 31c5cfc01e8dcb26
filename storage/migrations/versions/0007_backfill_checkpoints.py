"""backfill_checkpoints: how far the backfill of each source has got

``kibaru backfill`` walks an outlet's past (its WordPress API, sitemaps or listing pages) and
writes here, per source, the range, the strategy and the first step not yet done, so that a
backfill killed mid-way goes on from there when run again with the same range.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backfill_checkpoints",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("newest_first", sa.Boolean(), nullable=False),
        sa.Column("strategy", sa.String(length=16), nullable=False),
        sa.Column("position", sa.JSON(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_backfill_checkpoints")),
    )


def downgrade() -> None:
    op.drop_table("backfill_checkpoints")
