"""HTTP-facing errors and the one exception handler that turns every newswire error into an answer.

    NewswireError                      (services/errors.py)
      ApiError                         a request the API refuses; carries its HTTP status
        BadRequest            400      malformed headers or query
        Unauthorized          401      missing or wrong credentials
        NotFound              404      unknown document id
        IdempotencyInProgress 409      the first request with this key has not finished
        PayloadTooLarge       413      body over NEWSWIRE_API_MAX_BODY_BYTES
        UnsupportedMediaType  415      content type outside the accepted list
        InvalidInput          422      body or parameters that cannot be accepted
        RateLimited           429      client over its rate limit (Retry-After)
      RetryableError   -> 503          (Redis or the broker unavailable)
      PermanentError   -> 422          (e.g. a blocked URL)

Every answer has the same JSON shape (`Problem`): status, code, detail, and field errors if any.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import redis
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from kombu.exceptions import OperationalError

from services.api.models import FieldError, Problem
from services.errors import NewswireError, PermanentError, RetryableError

log = logging.getLogger(__name__)


class ApiError(NewswireError):
    """A request the API refuses, with the HTTP status that says why."""

    status_code: ClassVar[int] = 400
    code = "bad_request"

    def __init__(self, reason: str, *, headers: dict[str, str] | None = None, **fields: Any) -> None:
        super().__init__(reason, **fields)
        self.headers = headers or {}


class BadRequest(ApiError):
    """Malformed headers or query parameters."""


class Unauthorized(ApiError):
    """Missing, malformed or wrong credentials."""

    status_code = 401
    code = "unauthorized"


class NotFound(ApiError):
    """Nothing is known under this id."""

    status_code = 404
    code = "not_found"


class IdempotencyInProgress(ApiError):
    """A request with the same key is still being handled; the client should retry shortly."""

    status_code = 409
    code = "idempotency_in_progress"


class PayloadTooLarge(ApiError):
    """The body is larger than the configured cap."""

    status_code = 413
    code = "too_large"


class UnsupportedMediaType(ApiError):
    """The Content-Type is not one the endpoint accepts."""

    status_code = 415
    code = "unsupported_media_type"


class InvalidInput(ApiError):
    """The body or a parameter is well-formed HTTP but cannot be accepted."""

    status_code = 422
    code = "invalid"

    def __init__(self, reason: str, *, errors: list[FieldError] | None = None, **fields: Any) -> None:
        super().__init__(reason, **fields)
        self.errors = errors or []


class RateLimited(ApiError):
    """The client sent more requests than its rate limit allows."""

    status_code = 429
    code = "rate_limited"


def problem_response(status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    """The JSON answer every error gets."""
    headers = extra.pop("headers", None)
    body = Problem(status=status, code=code, detail=detail, **extra)
    return JSONResponse(body.model_dump(mode="json", exclude_none=True), status_code=status, headers=headers)


async def handle_error(request: Request, exc: Exception) -> JSONResponse:
    """Map an exception to its HTTP answer; the only place that knows HTTP statuses of errors."""
    if isinstance(exc, ApiError):
        errors = getattr(exc, "errors", None) or None
        return problem_response(exc.status_code, exc.code, exc.reason, errors=errors, headers=exc.headers)
    if isinstance(exc, RequestValidationError):
        errors = [FieldError.from_pydantic(e) for e in exc.errors()]
        detail = "; ".join(f"{e.location}: {e.message}" for e in errors) or "invalid request"
        return problem_response(422, "invalid", detail, errors=errors)
    if isinstance(exc, redis.RedisError | OperationalError | RetryableError):
        # Redis or the broker is down: the request was not accepted and can be retried as is.
        log.warning("dependency unavailable on %s: %s", request.url.path, exc)
        return problem_response(
            503, "unavailable", f"a backing service is unavailable, retry later: {type(exc).__name__}: {exc}",
            headers={"Retry-After": "5"},
        )  # fmt: skip
    if isinstance(exc, PermanentError):
        return problem_response(422, exc.code, exc.reason)
    assert isinstance(exc, NewswireError)
    return problem_response(400, exc.code, exc.reason)


HANDLED: tuple[type[Exception], ...] = (
    NewswireError,
    RequestValidationError,
    redis.RedisError,
    OperationalError,
)
