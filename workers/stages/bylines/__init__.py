"""The byline stage: authors, agencies and the raw byline of an article.

Public API::

    from workers.stages.bylines import tag_bylines, Bylines
    result = tag_bylines(html, text, title=..., site_name=..., byline_selector=...)
    result.authors, result.agencies, result.byline, result.text
"""

from workers.stages.bylines.tagger import Bylines, tag_bylines

__all__ = ["Bylines", "tag_bylines"]
