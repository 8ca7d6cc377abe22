"""Fetch failures, placed in the newswire error tree (services/errors.py).

    RetryableError
      FetchFailed       timeout, connection error, DNS, upstream 429/5xx  -> backoff, retry later
    PermanentError
      BlockedURL        refused by the SSRF policy or robots.txt          -> never fetched
      FetchRejected     4xx, too many redirects, unsupported encoding, bad feed

`code` is the machine-readable reason counted in the metrics (`timeout`, `http_503`, `too_large`...).
"""

from __future__ import annotations

from services.errors import PermanentError, RetryableError


class FetchFailed(RetryableError):
    """A fetch that may succeed later; `retry_after` is the server's hint in seconds, if any."""

    code = "failed"

    def __init__(
        self,
        reason: str,
        *,
        url: str | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason, url=url, code=code)
        self.retry_after = retry_after


class FetchRejected(PermanentError):
    """A fetch whose answer will not become a document: retrying the same URL will not help."""

    code = "rejected"
