"""Storage: SQLAlchemy models, the idempotent repository, migrations and export."""
