"""Sample news documents bundled with newswire (crawler dump format), so a first run shows events."""

from __future__ import annotations

from importlib import resources

from schemas import RawDocument
from services.documents import from_bytes


def sample_files() -> list[tuple[str, bytes]]:
    """The bundled sample files as (name, bytes), in name order."""
    folder = resources.files(__name__)
    files = [entry for entry in folder.iterdir() if entry.is_file() and entry.name.endswith(".txt")]
    return [(entry.name, entry.read_bytes()) for entry in sorted(files, key=lambda entry: entry.name)]


def sample_documents() -> list[RawDocument]:
    """The bundled samples as RawDocuments on the `sample` channel."""
    return [
        doc
        for name, content in sample_files()
        for doc in from_bytes(content, name=f"samples/{name}", channel="sample")
    ]
