"""The webhook API: producers post documents and fetch requests, consumers subscribe over SSE."""

from services.api.app import create_app, serve

__all__ = ["create_app", "serve"]
