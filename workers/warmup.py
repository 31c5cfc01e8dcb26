"""Warm a process that extracts pages up before its first page.

The stages load their larger tables on first use: the language model, jusText's stop lists,
dateparser's data. On a pool process's first page that costs about half a second of CPU
(against some 20 ms for a page after it), spent on the pages of a crawl's first batch while
the crawl is still fetching. The first page whose date only dateparser reads (htmldate's last
resort) costs another second: dateparser then loads every one of its locales (about 45 MB).
:func:`warm_up` runs two built-in pages through the extraction, the fingerprint and htmldate,
so that the loading is done before any page waits for it: each pool process of ``kibaru
worker`` on the ``process`` queue calls it as it starts (``workers.queue.tasks``), and so does
the embedded crawl's extraction process (``workers.ingest.embedded``). They would load the
same tables on the pages that need them anyway: their peak memory does not change.
"""

from __future__ import annotations

import logging
import time
from contextlib import suppress

from htmldate import find_date

from workers.extract import extract_record
from workers.stages.dedup.fingerprint import analyse
from workers.stages.errors import StageError
from workers.stages.page import FetchedPage

WARM_UP_URL = "https://warm-up.invalid/2026/01/05/la-saison-des-pluies-commence-a-kaolack"
log = logging.getLogger(__name__)

# An article of the kind the workers process (French, dated, signed), written for this purpose:
# every stage that loads data on first use gets to run.
WARM_UP_PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<title>La saison des pluies commence à Kaolack</title>
<meta property="article:published_time" content="2026-01-05T09:30:00+00:00">
</head><body>
<nav><a href="/">Accueil</a> <a href="/societe">Société</a></nav>
<article>
<h1>La saison des pluies commence à Kaolack</h1>
<p class="byline">Par Awa Ndiaye, publié le 5 janvier 2026 à 9h30</p>
<p>Les premières pluies sont tombées lundi sur Kaolack, où les cultivateurs préparaient leurs
champs depuis plusieurs semaines. Le service régional de la météorologie annonce des averses
régulières pour les dix prochains jours, avec des cumuls de 20 à 35 millimètres.</p>
<p>Au marché central, les vendeurs de semences disent avoir écoulé leurs stocks d'arachide et
de mil plus tôt que l'an dernier. Les prix sont restés stables, selon l'association des
commerçants, qui craignait une hausse après la sécheresse de la saison précédente.</p>
<p>Les autorités rappellent aux habitants des quartiers bas de curer les caniveaux avant les
fortes pluies attendues à la fin du mois, pour éviter les inondations de l'an passé.</p>
</article>
<footer>© 2026 Journal de démonstration</footer>
</body></html>
""".encode()
# A page whose only date is in words htmldate's own patterns do not read: it reaches dateparser.
WARM_UP_DATE_PAGE = (
    "<html><body><article><p>Publicado el 04 mayo 2022 - 10:30</p></article></body></html>"
)


def warm_up() -> float:
    """Run the built-in article through the extraction and the fingerprint, and the date page
    through htmldate's search as the dates stage runs it; the seconds taken.

    Never raises: a warm-up that fails leaves the loading to the first page, as before, and a
    bug it meets is logged with its traceback rather than keeping the process from starting
    (a pool process whose initializer raises is replaced, and would fail the same way)."""
    started = time.perf_counter()
    page = FetchedPage(url=WARM_UP_URL, source="warm-up", body=WARM_UP_PAGE, headers={})
    try:
        with suppress(StageError):
            analyse(extract_record(page, None).text)
    except Exception:
        log.exception("the warm-up page failed; the first pages will load the stages' tables")
    with suppress(Exception):  # htmldate raises assorted errors; the dates stage ignores them too
        find_date(WARM_UP_DATE_PAGE, original_date=True, extensive_search=True)
    return time.perf_counter() - started

