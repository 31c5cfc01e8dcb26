"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-29 11:34:14.930235
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "articles",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("canonical_url", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_name", sa.String(length=300), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("agencies", sa.JSON(), nullable=False),
        sa.Column("byline", sa.Text(), nullable=True),
        sa.Column("cluster_id", sa.String(length=32), nullable=True),
        sa.Column("duplicate_of", sa.String(length=32), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signature", sa.LargeBinary(), nullable=True),
        sa.Column("page_id", sa.BigInteger(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("canonical_url", name="uq_articles_canonical_url"),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index("ix_articles_cluster_id", ["cluster_id"], unique=False)
        batch_op.create_index("ix_articles_content_hash", ["content_hash"], unique=False)
        batch_op.create_index("ix_articles_fetched_at", ["fetched_at"], unique=False)
        batch_op.create_index("ix_articles_published_at", ["published_at"], unique=False)
        batch_op.create_index(
            "ix_articles_source_published", ["source", "published_at"], unique=False
        )
        batch_op.create_index("ix_articles_url", ["url"], unique=False)

    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("started_by", sa.String(length=200), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_runs")),
    )
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.create_index("ix_crawl_runs_started_at", ["started_at"], unique=False)

    op.create_table(
        "dedup_buckets",
        sa.Column("bucket", sa.BigInteger(), nullable=False),
        sa.Column("article_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "article_id", name=op.f("pk_dedup_buckets")),
    )
    op.create_table(
        "pages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("encoding", sa.String(length=64), nullable=True),
        sa.Column("hints", sa.JSON(), nullable=False),
        sa.Column("body_gz", sa.LargeBinary(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("article_id", sa.String(length=32), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pages")),
        sa.UniqueConstraint("url", name="uq_pages_url"),
    )
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.create_index("ix_pages_source_fetched", ["source", "fetched_at"], unique=False)
        batch_op.create_index("ix_pages_state", ["state"], unique=False)

    op.create_table(
        "sources",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("homepage", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("selectors", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
    )
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sources_country"), ["country"], unique=False)

    op.create_table(
        "failed_pages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("page_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["page_id"],
            ["pages.id"],
            name=op.f("fk_failed_pages_page_id_pages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_pages")),
        sa.UniqueConstraint("url", "stage", name="uq_failed_pages_url_stage"),
    )
    with op.batch_alter_table("failed_pages", schema=None) as batch_op:
        batch_op.create_index("ix_failed_pages_run_id", ["run_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("failed_pages", schema=None) as batch_op:
        batch_op.drop_index("ix_failed_pages_run_id")

    op.drop_table("failed_pages")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sources_country"))

    op.drop_table("sources")
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.drop_index("ix_pages_state")
        batch_op.drop_index("ix_pages_source_fetched")

    op.drop_table("pages")
    op.drop_table("dedup_buckets")
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_crawl_runs_started_at")

    op.drop_table("crawl_runs")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_url")
        batch_op.drop_index("ix_articles_source_published")
        batch_op.drop_index("ix_articles_published_at")
        batch_op.drop_index("ix_articles_fetched_at")
        batch_op.drop_index("ix_articles_content_hash")
        batch_op.drop_index("ix_articles_cluster_id")

    op.drop_table("articles")
