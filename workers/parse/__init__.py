"""Parsing: RawDocument bytes -> list[ParsedArticle], one parser module per input format."""

from workers.parse.router import parse

__all__ = ["parse"]
