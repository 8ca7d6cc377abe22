"""Named FastAPI dependencies: the process's resources, and the authenticated caller with its raw body."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from services.api.auth import Principal, authenticate
from services.api.intake import read_capped
from services.api.state import Resources
from services.settings import Settings


async def get_resources(request: Request) -> Resources:
    """The Resources the app built at startup (async: a sync dependency would hop to a thread)."""
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


async def get_app_settings(resources: ResourcesDep) -> Settings:
    """The settings the app was created with."""
    return resources.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


@dataclass(frozen=True)
class Authenticated:
    """A request that passed the rate limit and authentication, with its raw body."""

    principal: Principal
    body: bytes


async def authenticated(request: Request, resources: ResourcesDep) -> Authenticated:
    """Rate limit (429), read the capped body (413), check credentials on the raw bytes (401).

    One dependency rather than three: FastAPI's per-dependency overhead is a visible share of a
    POST's cost (see bench/bench_api.py).
    """
    client = request.client.host if request.client else "unknown"
    await resources.limiter.check(client, now=time.time())
    body = await read_capped(
        request.stream(),
        limit=resources.settings.api_max_body_bytes,
        declared=request.headers.get("content-length"),
    )
    return Authenticated(authenticate(resources.credentials, request.headers, body, now=time.time()), body)


AuthDep = Annotated[Authenticated, Depends(authenticated)]


def idempotency_key(request: Request, caller: Principal) -> str | None:
    """The request's idempotency key: its webhook-id when signed, else its Idempotency-Key header."""
    return caller.webhook_id or request.headers.get("idempotency-key")
