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


def client_id(request: Request) -> str:
    """Whom the rate limit counts this request against: the peer address."""
    return request.client.host if request.client else "unknown"


async def read_authenticated(request: Request, resources: Resources) -> Authenticated:
    """Read the capped body (413) and check the credentials on the raw bytes (401)."""
    body = await read_capped(
        request.stream(),
        limit=resources.settings.api_max_body_bytes,
        declared=request.headers.get("content-length"),
    )
    return Authenticated(authenticate(resources.credentials, request.headers, body, now=time.time()), body)


async def authenticated(request: Request, resources: ResourcesDep) -> Authenticated:
    """Rate limit (429), read the capped body (413), check credentials on the raw bytes (401).

    For the GET routes. The POST routes call read_authenticated themselves and count the rate
    limit later, in the same Redis call as the idempotency claim (services/api/routes/common.py).
    """
    await resources.idempotency.count(client_id(request), now=time.time())
    return await read_authenticated(request, resources)


def idempotency_key(request: Request, caller: Principal) -> str | None:
    """The request's idempotency key: its webhook-id when signed, else its Idempotency-Key header."""
    return caller.webhook_id or request.headers.get("idempotency-key")
