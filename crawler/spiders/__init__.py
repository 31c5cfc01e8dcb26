"""The Scrapy spiders of kibaru."""
