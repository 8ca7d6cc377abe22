"""Request bodies into RawDocuments: the size cap while reading, content types, JSON and NDJSON checks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from schemas import RawDocument
from services.api.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType

TEXT_TYPES = ("text/plain", "text/html")
JSON_TYPE = "application/json"
NDJSON_TYPE = "application/x-ndjson"
DOCUMENT_TYPES = (*TEXT_TYPES, JSON_TYPE, NDJSON_TYPE)


async def read_capped(chunks: AsyncIterator[bytes], *, limit: int, declared: str | None) -> bytes:
    """The whole body, refused with 413 as soon as it passes `limit` bytes.

    A declared Content-Length over the limit is refused before reading; a chunked body (no
    Content-Length) is refused as soon as the running total passes the limit, so a client can
    never make the API buffer more than `limit` bytes.
    """
    too_large = (
        f"request body is larger than {limit} bytes (NEWSWIRE_API_MAX_BODY_BYTES); "
        "split it into several requests"
    )
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise PayloadTooLarge(too_large)
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(too_large)
        parts.append(chunk)
    return b"".join(parts)


def media_type(content_type: str | None, accepted: tuple[str, ...]) -> tuple[str, str | None]:
    """(media type, charset) of a Content-Type header; 415 when it is not one of `accepted`."""
    kind, _, params = (content_type or "").partition(";")
    kind = kind.strip().lower()
    if kind not in accepted:
        given = f"'{kind}'" if kind else "no Content-Type"
        raise UnsupportedMediaType(f"{given} is not accepted here; send one of: {', '.join(accepted)}")
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"').lower()
    return kind, charset


def checked_url(url: str | None, *, what: str = "url") -> str | None:
    """The URL if it is a well-formed http(s) URL; 422 otherwise."""
    if url is None or url == "":
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise InvalidInput(f"{what} must be an absolute http(s) URL, got {url[:200]!r}")
    return url


def documents_from_body(
    body: bytes, *, kind: str, charset: str | None, url: str | None, source_name: str | None
) -> list[RawDocument]:
    """The documents a POST /v1/documents body holds; 422 with the reason when it holds none."""
    if not body.strip():
        raise InvalidInput("the body is empty: send the document itself")
    if kind == NDJSON_TYPE:
        return _ndjson_documents(body, source_name=source_name)
    if kind == JSON_TYPE:
        obj = _json_object(body, where="the body")
        url = url or _url_of(obj)
    return [
        RawDocument.create(
            body, channel="webhook", content_type=kind, charset=charset, url=url, source_name=source_name
        )
    ]


def _ndjson_documents(body: bytes, *, source_name: str | None) -> list[RawDocument]:
    documents = []
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        obj = _json_object(line, where=f"line {number}")
        documents.append(
            RawDocument.create(
                line, channel="webhook", content_type=JSON_TYPE, url=_url_of(obj), source_name=source_name
            )
        )
    if not documents:
        raise InvalidInput("the NDJSON body has no document lines")
    return documents


def _json_object(data: bytes, *, where: str) -> dict[str, object]:
    try:
        obj = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"{where} is not valid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise InvalidInput(f"{where} must be one JSON object (a document), not {type(obj).__name__}")
    return obj


def _url_of(obj: dict[str, object]) -> str | None:
    url = obj.get("url") or obj.get("uri")
    return checked_url(url, what="the document's url") if isinstance(url, str) else None
