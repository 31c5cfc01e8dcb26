"""crawl runs: a heartbeat; crawl_locks: one crawl of a source at a time

A run's process writes ``heartbeat_at`` while it lives, so that a run whose process was killed
is seen as abandoned instead of running forever. ``crawl_locks`` holds one row per source being
crawled (by which run, until when); every crawl takes its sources' rows, in both the embedded
mode and the broker mode, and the heartbeat extends them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "crawl_locks",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_crawl_locks")),
    )


def downgrade() -> None:
    op.drop_table("crawl_locks")
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
