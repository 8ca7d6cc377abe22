"""Authentication: Standard Webhooks signatures or a bearer token, checked on the raw body bytes.

A Standard Webhooks request carries `webhook-id`, `webhook-timestamp` (unix seconds) and
`webhook-signature` (`v1,<base64>` entries separated by spaces). The signature is HMAC-SHA256 over
`<id>.<timestamp>.<body>` keyed with the base64-decoded part of a `whsec_<base64>` secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from services.api.errors import Unauthorized
from services.settings import Settings

TOLERANCE_SECONDS = 5 * 60
SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
_HOW_TO_CONFIGURE = (
    "set NEWSWIRE_WEBHOOK_SECRETS (whsec_<base64>, comma-separated) and/or NEWSWIRE_API_TOKENS, "
    "or NEWSWIRE_API_ALLOW_UNAUTHENTICATED=true for local development"
)


@dataclass(frozen=True)
class Credentials:
    """What the API accepts: signing keys, bearer tokens, or anyone (local development)."""

    keys: tuple[bytes, ...] = ()
    tokens: tuple[bytes, ...] = ()
    allow_unauthenticated: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Credentials:
        """The credentials configured in settings (secrets are validated there)."""
        secrets = _split(settings.webhook_secrets.get_secret_value())
        tokens = _split(settings.api_tokens.get_secret_value())
        return cls(
            keys=tuple(secret_key(s) for s in secrets),
            tokens=tuple(t.encode() for t in tokens),
            allow_unauthenticated=settings.api_allow_unauthenticated,
        )


@dataclass(frozen=True)
class Principal:
    """Who a request was authenticated as, and the webhook-id when it was signed."""

    method: Literal["signature", "token", "open"]
    webhook_id: str | None = None


def secret_key(secret: str) -> bytes:
    """The HMAC key inside a `whsec_<base64>` secret."""
    return base64.b64decode(secret.removeprefix("whsec_"))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value a sender puts on this message (`v1,<base64>`)."""
    return "v1," + base64.b64encode(_digest(secret_key(secret), msg_id, str(timestamp), body)).decode()


def authenticate(
    credentials: Credentials, headers: Mapping[str, str], body: bytes, *, now: float
) -> Principal:
    """Check a request's credentials; raise Unauthorized with the reason when they do not hold.

    Args:
        credentials: what this deployment accepts.
        headers: the request headers (case-insensitive mapping).
        body: the raw body bytes, exactly as received.
        now: the current unix time, for the replay window.
    """
    if credentials.allow_unauthenticated:
        return Principal("open", headers.get("webhook-id"))
    if not credentials.keys and not credentials.tokens:
        raise Unauthorized(f"this API has no credentials configured: {_HOW_TO_CONFIGURE}")
    if any(name in headers for name in SIGNATURE_HEADERS):
        return _verify_signature(credentials, headers, body, now)
    if "authorization" in headers:
        return _verify_token(credentials, headers["authorization"])
    raise Unauthorized(
        "missing credentials: sign the request (webhook-id, webhook-timestamp, webhook-signature) "
        "or send 'Authorization: Bearer <token>'",
        headers={"WWW-Authenticate": "Bearer"},
    )


def _verify_signature(
    credentials: Credentials, headers: Mapping[str, str], body: bytes, now: float
) -> Principal:
    missing = [name for name in SIGNATURE_HEADERS if not headers.get(name)]
    if missing:
        raise Unauthorized(
            f"signed request without {', '.join(missing)}: all of {', '.join(SIGNATURE_HEADERS)} are needed"
        )
    if not credentials.keys:
        raise Unauthorized("signed request, but this API has no NEWSWIRE_WEBHOOK_SECRETS; use a bearer token")
    msg_id, stamp = headers["webhook-id"], headers["webhook-timestamp"].strip()
    if not stamp.isascii() or not stamp.isdigit():
        raise Unauthorized(f"webhook-timestamp must be integer unix seconds, got {stamp[:40]!r}")
    skew = int(stamp) - now
    if abs(skew) > TOLERANCE_SECONDS:
        when = f"{int(-skew)} s old" if skew < 0 else f"{int(skew)} s in the future"
        raise Unauthorized(
            f"webhook-timestamp is {when}; the tolerance is {TOLERANCE_SECONDS} s either way "
            "(check the sender's clock; sign each delivery afresh)"
        )
    offered = [_b64(entry[3:]) for entry in headers["webhook-signature"].split() if entry.startswith("v1,")]
    if not any(offered):
        raise Unauthorized("webhook-signature holds no 'v1,<base64>' signature")
    for key in credentials.keys:
        expected = _digest(key, msg_id, stamp, body)
        # compare_digest: the time taken does not tell an attacker how much of a guess matched.
        if any(sig is not None and hmac.compare_digest(expected, sig) for sig in offered):
            return Principal("signature", msg_id)
    raise Unauthorized(
        "webhook-signature matches no configured secret: sign '<webhook-id>.<webhook-timestamp>.<raw body>' "
        "with HMAC-SHA256 keyed by the base64-decoded part of the whsec_ secret"
    )


def _verify_token(credentials: Credentials, authorization: str) -> Principal:
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization must be 'Bearer <token>'", headers={"WWW-Authenticate": "Bearer"})
    given = token.strip().encode("utf-8", "surrogateescape")
    if any(hmac.compare_digest(given, known) for known in credentials.tokens):
        return Principal("token")
    raise Unauthorized(
        "bearer token not recognised", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
    )


def _digest(key: bytes, msg_id: str, stamp: str, body: bytes) -> bytes:
    signed = f"{msg_id}.{stamp}.".encode("utf-8", "surrogateescape") + body
    # hmac.digest: the one-shot C path, without building an HMAC object per request.
    return hmac.digest(key, signed, hashlib.sha256)


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]
