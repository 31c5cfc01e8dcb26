"""Everything after the fetch, read in the order a page takes it (docs/design.md, "Layout"):
``workers.ingest`` (where a crawl hands its pages), the processing of one page in the modules
here (``pipeline.py`` and what it calls), the pure stages (``workers.stages``), and the Celery
layer (``workers.queue``) that runs the processing in worker processes."""
