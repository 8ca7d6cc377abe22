"""The inbox folder: each new file is ingested once, then moved to done/ (or failed/ with a reason)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from schemas import RawDocument
from services.documents import from_bytes

DONE = "done"
FAILED = "failed"
_PARTIAL = (".tmp", ".part", ".partial", ".crdownload", ".reason.txt")


@dataclass(frozen=True)
class InboxResult:
    """What happened to one file."""

    path: Path
    moved_to: Path
    documents: int
    reason: str | None = None


def pending_files(folder: Path, *, settle_seconds: float, now: float | None = None) -> list[Path]:
    """Files waiting in `folder` (not done/ or failed/), oldest first, skipping ones still being written."""
    if not folder.is_dir():
        return []
    now = time.time() if now is None else now
    ready: list[tuple[float, Path]] = []
    for path in folder.iterdir():
        if path.name.startswith(".") or path.name.endswith(_PARTIAL):
            continue
        try:
            stat = path.stat()
        except OSError:
            continue
        # A file modified within settle_seconds may still be growing: take it next round.
        if path.is_file() and now - stat.st_mtime >= settle_seconds:
            ready.append((stat.st_mtime, path))
    return [path for _, path in sorted(ready)]


def ingest_file(
    path: Path,
    submit: Callable[[Sequence[RawDocument]], None],
    *,
    max_bytes: int,
    source_name: str | None = None,
    batch_size: int = 64,
) -> InboxResult:
    """Enqueue the documents in one file, then move it to done/; to failed/ with a reason file if refused.

    The move happens after the broker accepted the documents, so a crash in between ingests the
    file again on restart: the sink's idempotency then publishes nothing twice.
    """
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return _fail(path, f"file is {size} bytes, more than the inbox limit of {max_bytes} bytes")
        content = path.read_bytes()
    except OSError as exc:
        return _fail(path, f"cannot read file: {exc}")
    if not content.strip():
        return _fail(path, "file is empty")
    documents = list(from_bytes(content, name=path.name, channel="inbox"))
    if source_name:
        documents = [doc.model_copy(update={"source_name": source_name}) for doc in documents]
    if not documents:
        return _fail(path, "file holds no document (a .jsonl file with only blank lines?)")
    for start in range(0, len(documents), batch_size):
        submit(documents[start : start + batch_size])
    return InboxResult(path, _move(path, DONE), len(documents))


def _fail(path: Path, reason: str) -> InboxResult:
    moved = _move(path, FAILED)
    moved.with_name(moved.name + ".reason.txt").write_text(
        f"{datetime.now(UTC).isoformat()} {path.name}: {reason}\n", encoding="utf-8"
    )
    return InboxResult(path, moved, 0, reason)


def _move(path: Path, folder: str) -> Path:
    target_dir = path.parent / folder
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    if target.exists():  # the same name arrived before: keep both
        target = target_dir / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}-{path.name}"
    return path.rename(target)
