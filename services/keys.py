"""Every Redis key and stream name newswire uses, in one place."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from services.settings import Settings


@dataclass(frozen=True)
class Keys:
    """Key names for one deployment (one namespace)."""

    namespace: str
    events: str
    rejected: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Keys:
        """Keys for the deployment these settings describe."""
        return cls(
            namespace=settings.namespace,
            events=settings.events_stream_name,
            rejected=settings.rejected_stream_name,
        )

    def published(self, event_id: str) -> str:
        """Marker holding the stream entry id an event was published as (sink idempotency)."""
        return f"{self.namespace}:published:{event_id}"

    def dead_lettered(self, doc_id: str, stage: str, index: int | None = None) -> str:
        """Marker holding the dead-letter entry id of one rejection (sink idempotency)."""
        return f"{self.namespace}:deadlettered:{doc_id}:{stage}:{'' if index is None else index}"

    def task_deliveries(self, task_id: str, retries: int) -> str:
        """Counter of how often one task message (id, retry number) started running."""
        return f"{self.namespace}:deliveries:{task_id}:{retries}"

    def status(self, doc_id: str) -> str:
        """Hash with a document's processing status (queued, published, rejected)."""
        return f"{self.namespace}:status:{doc_id}"

    def stream(self, suffix: str) -> str:
        """An extra (routed) event stream, e.g. stream('lang:ru') -> '<events>:lang:ru'."""
        return f"{self.events}:{suffix}"

    def duplicate_annotation(self, event_id: str) -> str:
        """'<duplicate_of>|<story_id>' an event got from the duplicate index (redeliveries reuse it)."""
        return f"{self.namespace}:dup:event:{event_id}"

    def duplicate_hash(self, content_hash: str) -> str:
        """Id of the first event whose body had this content_hash (exact duplicates)."""
        return f"{self.namespace}:dup:hash:{content_hash}"

    @property
    def duplicate_signatures(self) -> str:
        """Hash event id -> '<root>|<story>|<MinHash signature>' of recent events."""
        return f"{self.namespace}:dup:signatures"

    @property
    def duplicate_seen(self) -> str:
        """Sorted set of indexed event ids scored by time (prunes the signatures hash)."""
        return f"{self.namespace}:dup:seen"

    def duplicate_band(self, band: str) -> str:
        """Sorted set of event ids sharing one MinHash LSH band, scored by time."""
        return f"{self.namespace}:dup:band:{band}"

    def story(self, digest: str) -> str:
        """Story id held by one story key (a key person, place and topic), for the story window."""
        return f"{self.namespace}:story:{digest}"

    @property
    def fetch_requests(self) -> str:
        """Stream of URL fetch requests the fetcher consumes with a consumer group.

        Entry fields (written by the API): `url`, `request_id`, `requested_at` (ISO 8601, UTC) and,
        when the requester named one, `source_name`.
        """
        return f"{self.namespace}:fetch:requests"

    def fetch_seen(self, url: str) -> str:
        """Marker of a feed entry URL already fetched (expires after NEWSWIRE_FETCH_SEEN_TTL_SECONDS)."""
        return f"{self.namespace}:fetch:seen:{_digest(url)}"

    def fetch_validators(self, url: str) -> str:
        """Hash of a URL's `etag` and `last_modified`, sent back as If-None-Match / If-Modified-Since."""
        return f"{self.namespace}:fetch:validators:{_digest(url)}"

    def idempotency(self, digest: str) -> str:
        """The API's record of one webhook-id / Idempotency-Key (a hash of it) and its first answer."""
        return f"{self.namespace}:idempotency:{digest}"

    def rate_limit(self, client: str, window: int) -> str:
        """Counter of one API client's requests in one fixed rate-limit window."""
        return f"{self.namespace}:ratelimit:{client}:{window}"

    @property
    def counters(self) -> str:
        """Hash of pipeline counters (documents in, events out, rejected)."""
        return f"{self.namespace}:counters"

    @property
    def workers_heartbeat(self) -> str:
        """Sorted set of worker names scored by their last heartbeat (unix seconds)."""
        return f"{self.namespace}:workers"

    def celery_prefix(self) -> str:
        """Prefix Celery's own broker keys get, so deployments sharing a Redis never mix."""
        return f"{self.namespace}:celery:"

    def celery_queue(self, queue: str) -> str:
        """The Redis list holding a Celery queue's waiting tasks (kombu adds global_keyprefix)."""
        return f"{self.celery_prefix()}{queue}"

    @property
    def celery_unacked(self) -> str:
        """Hash of tasks delivered to a worker and not yet acknowledged (kombu's 'unacked')."""
        return f"{self.celery_prefix()}unacked"


def _digest(text: str) -> str:
    # URLs can be long and hold any byte: key on a digest of them.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
