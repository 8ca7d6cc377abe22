"""Named FastAPI dependencies: the process's resources, the capped raw body, the caller, the rate limit."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Request

from services.api.auth import Principal, authenticate
from services.api.intake import read_capped
from services.api.state import Resources
from services.settings import Settings


def get_resources(request: Request) -> Resources:
    """The Resources the app built at startup."""
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


def get_app_settings(resources: ResourcesDep) -> Settings:
    """The settings the app was created with."""
    return resources.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


async def rate_limit(request: Request, resources: ResourcesDep) -> None:
    """Count the request against its client's limit (429 when over), before anything else is read."""
    client = request.client.host if request.client else "unknown"
    await resources.limiter.check(client, now=time.time())


RateLimitDep = Depends(rate_limit)


async def raw_body(request: Request, resources: ResourcesDep) -> bytes:
    """The request body exactly as sent, read from the stream and capped (413 above the limit)."""
    return await read_capped(
        request.stream(),
        limit=resources.settings.api_max_body_bytes,
        declared=request.headers.get("content-length"),
    )


BodyDep = Annotated[bytes, Depends(raw_body)]


async def principal(request: Request, body: BodyDep, resources: ResourcesDep) -> Principal:
    """Who sent the request (401 when the credentials do not hold); verified on the raw body."""
    return authenticate(resources.credentials, request.headers, body, now=time.time())


PrincipalDep = Annotated[Principal, Depends(principal)]


def idempotency_key(request: Request, caller: Principal) -> str | None:
    """The request's idempotency key: its webhook-id when signed, else its Idempotency-Key header."""
    return caller.webhook_id or request.headers.get("idempotency-key")
