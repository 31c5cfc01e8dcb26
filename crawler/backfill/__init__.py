"""``kibaru backfill``: an outlet's past, through what the site itself offers.

``periods.py`` (the range, dates in URLs, which sitemaps to read and in what order),
``wpapi.py`` (the WordPress REST API's pages), ``walk.py`` (one source's walk: its steps, where
it stands, its checkpoint), ``checkpoints.py`` (their writes, on a thread of their own),
``spider.py`` (the spider: API, else sitemaps, else listings) and
``run.py`` (the run, through :func:`crawler.run.run_sources`).
"""
