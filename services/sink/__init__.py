"""The sink: publishes events to Redis Streams exactly once, and rejections to the dead-letter stream."""

from services.sink.publisher import PublishResult, Sink

__all__ = ["PublishResult", "Sink"]
