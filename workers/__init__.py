"""Processing: the stages as plain functions (``workers.stages``) and a thin Celery layer."""
