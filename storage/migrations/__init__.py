"""Alembic migrations of the kibaru schema (run with ``kibaru db upgrade``)."""
