"""Runtime configuration: one pydantic-settings class, read from NEWSWIRE_* environment variables."""

from __future__ import annotations

import base64
import binascii
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, RedisDsn, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can configure. Build it with `get_settings()` and pass it in."""

    model_config = SettingsConfigDict(env_prefix="NEWSWIRE_", env_file=".env", extra="ignore")

    redis_url: RedisDsn = Field(
        default=RedisDsn("redis://127.0.0.1:6379/0"),
        description="Redis for streams, dedup markers and status; also the Celery broker by default.",
    )
    broker_url: str | None = Field(default=None, description="Celery broker URL; defaults to redis_url.")
    namespace: str = Field(
        default="newswire",
        description="Prefix of every Redis key and stream this deployment owns (see services/keys.py).",
    )
    events_stream: str | None = Field(
        default=None, description="Main event stream; default '<namespace>:events'."
    )
    rejected_stream: str | None = Field(
        default=None, description="Dead-letter stream; default '<namespace>:rejected'."
    )
    stream_maxlen: int = Field(
        default=1_000_000,
        ge=1,
        description="Approximate cap (XADD MAXLEN ~) on each stream. A consumer group further "
        "behind than this loses the oldest entries it has not read.",
    )
    dedup_ttl_seconds: int = Field(
        default=7 * 24 * 3600,
        ge=60,
        description="How long the sink remembers a published event id; a redelivery later than "
        "this would publish again.",
    )
    status_ttl_seconds: int = Field(
        default=24 * 3600, ge=60, description="How long a document's status is kept."
    )
    queue: str = Field(default="newswire", description="Celery queue the workers consume.")
    task_soft_time_limit: float = Field(
        default=60.0, gt=0, description="Seconds a task may run before SoftTimeLimitExceeded."
    )
    task_max_retries: int = Field(
        default=5, ge=0, description="Retries of a transient failure before dead-lettering."
    )
    visibility_timeout: int = Field(
        default=3600,
        # ge=2, not 60: the fault tests kill workers and need redelivery within seconds. In
        # production keep it well above the longest task (see README "Guarantees").
        ge=2,
        description="Seconds before the Redis broker redelivers an unacked task; must exceed the "
        "longest task, queue wait included for prefetched tasks.",
    )
    ingest_batch_size: int = Field(
        default=64, ge=1, le=10_000, description="Documents per Celery task for bulk ingest."
    )

    # Enrichment: duplicates, stories and routing (services/sink/duplicates.py, workers/enrich/routing.py).
    duplicate_ttl_seconds: int = Field(
        default=3 * 24 * 3600,
        ge=60,
        description="How long a published article is remembered for duplicate detection.",
    )
    duplicate_threshold: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Estimated Jaccard similarity (of word 4-grams) from which an article is a "
        "near-duplicate of an earlier one.",
    )
    story_window_seconds: int = Field(
        default=2 * 24 * 3600, ge=60, description="How long a story id keeps gathering new articles."
    )
    routes: dict[str, str] = Field(
        default_factory=dict,
        description="Extra streams: JSON object suffix -> rule, e.g. "
        '{"lang:ru": "language=ru", "kz-politics": "country=KZ,topic=politics", "originals": '
        '"duplicate=false"}; the main stream always gets every event.',
    )

    # The fetcher (services/fetcher).
    sources: Path | None = Field(
        default=None, description="TOML file of feeds, pages and inbox folders; reloaded when it changes."
    )
    fetch_allow: str = Field(
        default="",
        description="Comma-separated host names and CIDRs the fetcher may reach although they are not "
        "public (e.g. '127.0.0.1,10.0.0.0/8,intranet.local'). Empty: only global addresses.",
    )
    fetch_user_agent: str = Field(
        default="newswire-fetcher/0.1 (news ingestion; honours robots.txt)",
        description="User-Agent of every fetch; its first word is the robots.txt agent name.",
    )
    fetch_max_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Largest body read, after decompression."
    )
    fetch_deadline_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Overall deadline of one fetch's network time (DNS, connect, answers, body, redirects "
        "included); waits for a host's turn or its robots.txt are not counted.",
    )
    fetch_connect_timeout_seconds: float = Field(default=10.0, gt=0, description="TCP/TLS connect timeout.")
    fetch_max_redirects: int = Field(
        default=5, ge=0, le=20, description="Redirects followed, each re-checked."
    )
    fetch_retries: int = Field(
        default=3, ge=0, description="Retries of a fetch after a timeout, 429 or 5xx, with backoff."
    )
    fetch_backoff_seconds: float = Field(default=1.0, gt=0, description="First backoff; doubles per retry.")
    fetch_max_wait_seconds: float = Field(
        default=300.0, gt=0, description="Longest Retry-After or backoff waited in place; longer gives up."
    )
    fetch_concurrency: int = Field(default=16, ge=1, description="Fetches in flight at once.")
    fetch_host_concurrency: int = Field(default=2, ge=1, description="Fetches in flight per host.")
    fetch_host_interval_seconds: float = Field(
        default=1.0, ge=0, description="Minimum seconds between two requests to one host."
    )
    fetch_respect_robots: bool = Field(default=True, description="Honour robots.txt.")
    fetch_robots_ttl_seconds: float = Field(
        default=3600.0, ge=0, description="How long robots.txt is cached."
    )
    fetch_seen_ttl_seconds: int = Field(
        default=30 * 24 * 3600, ge=60, description="How long a fetched feed entry URL is remembered."
    )
    fetch_default_interval_seconds: float = Field(
        default=900.0, ge=1, description="Poll interval of a source that sets none (inboxes: 5 s)."
    )
    fetch_group: str = Field(default="fetchers", description="Consumer group reading fetch requests.")
    fetch_claim_idle_seconds: float = Field(
        default=60.0, gt=0, description="A fetch request unacked this long is taken over by another fetcher."
    )
    fetch_request_max_deliveries: int = Field(
        default=5,
        ge=1,
        description="A fetch request delivered this many times without being served (it crashed the "
        "fetcher, or each fetcher holding it died) is dead-lettered and its status set to rejected.",
    )
    fetch_metrics_port: int | None = Field(
        default=None, ge=0, le=65535, description="Port of the fetcher's Prometheus /metrics; unset: none."
    )
    inbox_max_bytes: int = Field(
        default=256 * 1024 * 1024, ge=1, description="Largest inbox file ingested; larger go to failed/."
    )
    log_format: Literal["json", "text"] = Field(
        default="json",
        description="Log lines as JSON objects (with doc_id where there is one) or plain text.",
    )
    worker_metrics_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Port of the worker's Prometheus /metrics (summed over its pool processes); "
        "unset or 0: no metrics server.",
    )
    metrics_host: str = Field(
        default="127.0.0.1",
        description="Address the worker's metrics server listens on (0.0.0.0 in a container).",
    )
    metrics_dir: Path | None = Field(
        default=None,
        description="Folder for the worker pool's prometheus_client multiprocess files; default "
        "a fresh temporary folder, removed at exit.",
    )
    data_dir: Path = Field(
        default=Path(".newswire"),
        description="Where `newswire up` keeps the embedded Redis data, the roles' logs and the local inbox.",
    )

    api_host: str = Field(default="127.0.0.1", description="Address `newswire api` listens on.")
    api_port: int = Field(default=8000, ge=1, le=65535, description="Port `newswire api` listens on.")
    webhook_secrets: SecretStr = Field(
        default=SecretStr(""),
        description="Standard Webhooks signing secrets, comma-separated, each 'whsec_<base64>'; "
        "a request signed with any of them is accepted (rotation).",
    )
    api_tokens: SecretStr = Field(
        default=SecretStr(""), description="Bearer tokens the API accepts, comma-separated."
    )
    api_allow_unauthenticated: bool = Field(
        default=False,
        description="Accept API requests without credentials. Local development only.",
    )
    api_max_body_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1024, description="Largest request body the API reads (413 above)."
    )
    api_rate_limit: int = Field(
        default=600, ge=0, description="Requests per client per rate-limit window (0: unlimited)."
    )
    api_rate_limit_window_seconds: int = Field(default=60, ge=1, description="Rate-limit window length.")
    idempotency_ttl_seconds: int = Field(
        default=24 * 3600,
        ge=60,
        description="How long the API remembers a webhook-id / Idempotency-Key and its first answer.",
    )
    api_flush_interval_ms: float = Field(
        default=5.0,
        ge=0,
        le=1000,
        description="Shortest time between two sends of webhook documents to the broker: under load a "
        "send carries every request that arrived meanwhile (a send costs ~1 ms of CPU however small).",
    )
    api_access_log: bool = Field(
        default=False,
        description="Log one line per API request (uvicorn's access log); /metrics counts them either way.",
    )

    @field_validator("webhook_secrets")
    @classmethod
    def _secrets_are_standard_webhooks(cls, value: SecretStr) -> SecretStr:
        # Fail at startup, not on the first request, when a secret is mistyped.
        for secret in filter(None, (s.strip() for s in value.get_secret_value().split(","))):
            try:
                key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
            except binascii.Error:
                key = b""
            if not secret.startswith("whsec_") or not key:
                raise ValueError("each webhook secret must be 'whsec_' followed by base64 (no spaces)")
        return value

    @field_validator("routes")
    @classmethod
    def _routes_parse(cls, value: dict[str, str]) -> dict[str, str]:
        # Fail at startup: a rule that cannot be read would otherwise fail every task.
        condition = r"\s*(?:(?:language|country|topic)\s*=\s*[^,=]+|duplicate\s*=\s*(?:true|false)\s*)"
        for stream, rule in value.items():
            if not re.fullmatch(rf"{condition}(,{condition})*\s*", rule) or not re.fullmatch(
                r"[\w:.-]+", stream
            ):
                raise ValueError(
                    f"route {stream!r}: {rule!r} is not 'field=value[|value][,field=value...]' with field "
                    "one of language, country, topic, duplicate (stream suffix: letters, digits, : . - _)"
                )
        return value

    @property
    def events_stream_name(self) -> str:
        """The main event stream's key."""
        return self.events_stream or f"{self.namespace}:events"

    @property
    def rejected_stream_name(self) -> str:
        """The dead-letter stream's key."""
        return self.rejected_stream or f"{self.namespace}:rejected"

    @property
    def broker(self) -> str:
        """The Celery broker URL."""
        return self.broker_url or str(self.redis_url)


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once from the environment."""
    return Settings()
