"""The cleaning stage (plain functions): see :func:`clean_page`."""

from workers.stages.clean.rules import SiteRules, utc_offset_for_country
from workers.stages.clean.stage import CleanedPage, clean_page

__all__ = ["CleanedPage", "SiteRules", "clean_page", "utc_offset_for_country"]
