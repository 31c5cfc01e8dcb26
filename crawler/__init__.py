"""Crawling: the source registry and the Scrapy spiders that discover and fetch pages."""
