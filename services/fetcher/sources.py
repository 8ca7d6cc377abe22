"""The sources file (TOML): feeds, pages and inbox folders, reloaded when it changes."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError

log = logging.getLogger(__name__)


class _Source(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = Field(default=None, description="Publisher name recorded on the events.")
    interval_seconds: float | None = Field(default=None, ge=1, description="Seconds between polls.")


class FeedSource(_Source):
    """An RSS or Atom feed, polled every `interval_seconds`."""

    url: HttpUrl
    follow_links: bool = Field(default=True, description="Fetch each entry's article page.")


class PageSource(_Source):
    """A single page, fetched every `interval_seconds` (conditional GET: unchanged costs a 304)."""

    url: HttpUrl


class InboxSource(_Source):
    """A folder whose new files are ingested once, then moved to done/ or failed/."""

    path: Path
    settle_seconds: float = Field(default=1.0, ge=0, description="Skip files modified more recently.")


class Sources(BaseModel):
    """The whole sources file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    feeds: list[FeedSource] = []
    pages: list[PageSource] = []
    inboxes: list[InboxSource] = []


class SourcesError(ValueError):
    """The sources file cannot be read or is invalid; the message says where."""


def load_sources(path: Path) -> Sources:
    """Read and validate a sources file; raise SourcesError saying what is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        sources = Sources.model_validate(data)
    except OSError as exc:
        raise SourcesError(f"cannot read sources file {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"sources file {path} is not valid TOML: {exc}") from exc
    except ValidationError as exc:
        raise SourcesError(f"sources file {path} is invalid: {exc}") from exc
    # Relative inbox paths are relative to the sources file, not to the working directory.
    inboxes = [
        inbox if inbox.path.is_absolute() else inbox.model_copy(update={"path": path.parent / inbox.path})
        for inbox in sources.inboxes
    ]
    return sources.model_copy(update={"inboxes": inboxes})


class SourcesWatcher:
    """Reloads the sources file when its modification time or size changes; keeps the last good one."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.sources = Sources()
        self.error: str | None = None
        self._stamp: tuple[int, int] | None = None

    def poll(self) -> bool:
        """Reload if the file changed; True when the sources in effect changed."""
        if self.path is None:
            return False
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = (0, -1)
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        try:
            sources = load_sources(self.path)
        except SourcesError as exc:
            # A typo in the file must not stop polling: keep the last good sources, and say why.
            self.error = str(exc)
            log.error("%s; keeping the previous sources", exc)
            return False
        self.error = None
        changed = sources != self.sources
        self.sources = sources
        return changed
