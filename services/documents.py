"""Turn files, folders, JSON lines and stdin into RawDocuments (used by the CLI and the inbox)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from schemas import Channel, RawDocument

_TYPES = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".html": "text/html",
    ".htm": "text/html",
    ".json": "application/json",
}


def content_type_for(name: str, content: bytes) -> str:
    """MIME type from the file extension, else sniffed from the first bytes."""
    suffix = Path(name).suffix.lower()
    if suffix in _TYPES:
        return _TYPES[suffix]
    head = content[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "text/html"
    if head.startswith(b"{"):
        return "application/json"
    return "text/plain"


def from_bytes(
    content: bytes, *, name: str, channel: Channel, url: str | None = None
) -> Iterator[RawDocument]:
    """Documents in one file's bytes: one, or one per line of a `.jsonl` file."""
    if name.endswith((".jsonl", ".ndjson")):
        yield from from_json_lines(content, name=name, channel=channel)
        return
    yield RawDocument.create(
        content, channel=channel, content_type=content_type_for(name, content), filename=name, url=url
    )


def from_json_lines(content: bytes, *, name: str, channel: Channel) -> Iterator[RawDocument]:
    """One JSON document object per non-empty line; a line that is not JSON still becomes a
    document, so the parser rejects it with a reason instead of it vanishing here."""
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        url = None
        try:
            obj = json.loads(line)
            if isinstance(obj, dict):
                url = obj.get("uri") or obj.get("url")
                url = url if isinstance(url, str) else None
        except ValueError:
            pass
        yield RawDocument.create(
            line, channel=channel, content_type="application/json", filename=f"{name}:{number}", url=url
        )


def iter_paths(paths: list[str]) -> Iterator[Path]:
    """Files named, and every file under the folders named, in a stable order."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        else:
            yield path
