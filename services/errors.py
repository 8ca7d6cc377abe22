"""The exceptions newswire raises, and what the pipeline does with each.

    NewswireError
      RetryableError      (fetch timeout, upstream 5xx, Redis unavailable)  -> retry with backoff
      PermanentError      (not news, invalid fields, blocked URL)           -> dead-letter, once
        ParseError          the bytes are not a document any parser understands
        ValidationFailed    parsed, but not an acceptable news article
        BlockedURL          the URL is refused by the SSRF policy

Every exception carries structured fields (`doc_id`, `url`, `reason`, `code`) so that a dead
letter or an HTTP answer can say exactly what went wrong.
"""

from __future__ import annotations


class NewswireError(Exception):
    """Base of every newswire error."""

    code = "error"

    def __init__(
        self, reason: str, *, doc_id: str | None = None, url: str | None = None, code: str | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.doc_id = doc_id
        self.url = url
        if code is not None:
            self.code = code


class RetryableError(NewswireError):
    """A transient failure: the same work may succeed later."""

    code = "retryable"


class PermanentError(NewswireError):
    """A failure that retrying cannot fix: the input goes to the dead-letter stream."""

    code = "permanent"


class ParseError(PermanentError):
    """The bytes are not a document any parser understands."""

    code = "unparseable"


class ValidationFailed(PermanentError):
    """The document parsed, but is not an acceptable news article."""

    code = "invalid"


class BlockedURL(PermanentError):
    """The URL is refused by the fetch policy (scheme, SSRF, allow-list)."""

    code = "blocked_url"
