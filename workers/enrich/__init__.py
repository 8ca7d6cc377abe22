"""Enrichment: ParsedArticle -> NewsEvent, one module per enricher, composed in `enrich`."""

from workers.enrich.core import enrich

__all__ = ["enrich"]
