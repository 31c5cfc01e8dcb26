"""The Celery layer: the app (``app.py``), its tasks (``tasks.py``, thin shells over the
processing in ``workers/*.py``), a worker process's resources (``context.py``), crawls run by a
worker (``crawl_job.py``) and beat's schedule (``schedule.py``, ``cron.py``)."""
