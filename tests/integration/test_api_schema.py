"""Property-based: schemathesis drives the real API from its own OpenAPI schema; no 5xx, answers match it."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from pydantic import SecretStr
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.settings import Settings
from tests.support import ApiServer

TOKEN = "schema-test-token"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@schemathesis.serializer("application/x-ndjson")
def _ndjson(ctx: Any, value: Any) -> bytes:
    # The schema declares NDJSON bodies as strings: send them as UTF-8 text.
    return value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")


@pytest.mark.slow
@pytest.mark.timeout(180)
@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
def test_generated_requests_never_get_a_5xx_and_answers_match_the_schema(
    settings: Settings, mode: schemathesis.GenerationMode
) -> None:
    # No rate limit: the run sends hundreds of requests from one client on purpose.
    server = ApiServer(
        settings.model_copy(update={"api_tokens": SecretStr(TOKEN), "api_rate_limit": 0})
    ).start()
    try:
        schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
        # The SSE stream never ends on its own; its parameters are covered by test_api_events.py.
        schema = schema.exclude(path="/v1/events")

        @given(case=schema.as_strategy(mode))
        @hypothesis_settings(
            max_examples=150,
            deadline=None,
            database=None,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.filter_too_much,
                HealthCheck.data_too_large,
            ],
        )
        def run(case: schemathesis.Case) -> None:
            headers = dict(case.headers or {})
            headers.setdefault("Authorization", f"Bearer {TOKEN}")
            case.headers = headers
            # /readyz answers 503 by design here (no worker runs): that is its documented answer.
            checks = CHECKS[1:] if case.operation.path == "/readyz" else CHECKS
            case.call_and_validate(base_url=server.url, checks=checks, timeout=15)

        run()
    finally:
        server.stop()
