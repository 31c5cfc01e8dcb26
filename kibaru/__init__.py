"""kibaru: collect, clean, deduplicate and store West African news articles."""

__version__ = "0.1.0"
