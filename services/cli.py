"""The `newswire` command line: parse, ingest, worker, subscribe (and the service roles)."""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from schemas import RawDocument
from services.documents import from_bytes, iter_paths
from services.settings import get_settings


@click.group()
@click.version_option(package_name="newswire")
def main() -> None:
    """newswire: news documents in, validated news events out on Redis Streams."""


def _documents(paths: tuple[str, ...], channel: str, source: str | None) -> Iterator[RawDocument]:
    for path in iter_paths([p for p in paths if p != "-"]):
        if not path.exists():
            raise click.ClickException(f"no such file or directory: {path}")
        for doc in from_bytes(path.read_bytes(), name=str(path), channel=channel):  # type: ignore[arg-type]
            yield doc.model_copy(update={"source_name": source}) if source else doc
    if "-" in paths:
        data = sys.stdin.buffer.read()
        for doc in from_bytes(data, name="<stdin>", channel=channel):  # type: ignore[arg-type]
            yield doc.model_copy(update={"source_name": source}) if source else doc


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--source", help="Publisher name to record on the events.")
def parse(paths: tuple[str, ...], source: str | None) -> None:
    """Run parse -> validate -> enrich locally (no Redis) and print one event JSON per line.

    Rejections go to stderr as JSON lines. PATHS are files, folders (recursively), .jsonl files,
    or - for stdin.
    """
    from workers.pipeline import process

    for raw in _documents(paths, "cli", source):
        outcome = process(raw)
        for event in outcome.events:
            click.echo(event.model_dump_json())
        for rejection in outcome.rejections:
            record = {"doc_id": raw.id, "file": raw.filename, **rejection.__dict__}
            click.echo(json.dumps(record, ensure_ascii=False), err=True)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--source", help="Publisher name to record on the events.")
@click.option("--batch-size", type=click.IntRange(1, 10_000), help="Documents per task (default: setting).")
def ingest(paths: tuple[str, ...], source: str | None, batch_size: int | None) -> None:
    """Enqueue documents for the workers: files, folders (recursively), .jsonl files, - for stdin."""
    from tqdm import tqdm

    from services.queue import Enqueuer

    settings = get_settings()
    enqueuer = Enqueuer(settings)
    total = 0
    try:
        with tqdm(unit="doc", desc="enqueued", file=sys.stderr, disable=None) as bar:
            for sent in enqueuer.submit_many(_documents(paths, "cli", source), batch_size):
                total += sent
                bar.update(sent)
    finally:
        enqueuer.close()
    click.echo(f"enqueued {total} documents on queue '{settings.queue}'", err=True)


@main.command()
@click.option(
    "-c", "--concurrency", type=click.IntRange(1, 64), help="Worker processes (default: CPU count)."
)
@click.option("--loglevel", default="INFO", show_default=True)
@click.option("--metrics-port", type=click.IntRange(0, 65535), help="Prometheus port; 0: none.")
def worker(concurrency: int | None, loglevel: str, metrics_port: int | None) -> None:
    """Start a Celery worker that processes documents from the queue."""
    from services.logging import log_celery_worker
    from services.metrics import instrument_worker

    settings = get_settings()
    # Both before the app starts its pool: the pool processes inherit the logging and metrics setup.
    log_celery_worker(settings.log_format)
    instrument_worker(settings, settings.worker_metrics_port if metrics_port is None else metrics_port)
    from workers.app import create_app

    argv = ["worker", "-Q", settings.queue, "--loglevel", loglevel, "-n", f"newswire@{socket.gethostname()}"]
    if concurrency:
        argv += ["--concurrency", str(concurrency)]
    create_app(settings).worker_main(argv)


@main.command()
@click.option("--group", default="newswire-cli", show_default=True, help="Consumer group name.")
@click.option("--consumer", default=None, help="Consumer name within the group (default: host-pid).")
@click.option("--from-start", is_flag=True, help="A new group starts at the stream's first entry.")
@click.option("--count", type=click.IntRange(1), help="Stop after this many events.")
@click.option("--stream", default=None, help="Stream to read (default: the main event stream).")
@click.option("--block-ms", default=2000, show_default=True, help="How long one read waits for new entries.")
def subscribe(
    group: str, consumer: str | None, from_start: bool, count: int | None, stream: str | None, block_ms: int
) -> None:
    """Print events from a stream as JSON lines, acking each once printed."""
    import os

    import redis

    from services.consumer import StreamConsumer

    settings = get_settings()
    client = redis.Redis.from_url(str(settings.redis_url))
    reader = StreamConsumer(
        client,
        stream or settings.events_stream_name,
        group=group,
        name=consumer or f"{socket.gethostname()}-{os.getpid()}",
        from_start=from_start,
        block_ms=block_ms,
    )
    for printed, message in enumerate(reader.messages(), start=1):
        click.echo(message.fields.get("data", json.dumps(message.fields)))
        reader.ack(message)
        if count is not None and printed >= count:
            break


@main.command()
@click.option("--data-dir", type=click.Path(path_type=Path), help="Default: the data_dir setting.")
@click.option("--api-host", default="127.0.0.1", show_default=True)
@click.option("--api-port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--worker-metrics-port", default=9101, show_default=True, type=click.IntRange(0, 65535),
              help="The worker's Prometheus port; 0: none.")  # fmt: skip
@click.option("-c", "--concurrency", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--samples/--no-samples", default=True, show_default=True, help="Ingest the bundled samples.")
@click.option("--grace", default=90.0, show_default=True, help="Seconds the worker gets to finish its task.")
def up(
    data_dir: Path | None,
    api_host: str,
    api_port: int,
    worker_metrics_port: int,
    concurrency: int,
    samples: bool,
    grace: float,
) -> None:
    """Run every role on this machine (embedded Redis unless NEWSWIRE_REDIS_URL is set); Ctrl-C stops all."""
    from services.up import Supervisor, UpOptions

    settings = get_settings()
    options = UpOptions(
        # Absolute: redis-server changes into its data folder before opening its log file.
        data_dir=(data_dir or settings.data_dir).resolve(),
        api_host=api_host,
        api_port=api_port,
        worker_metrics_port=worker_metrics_port,
        concurrency=concurrency,
        samples=samples,
        grace_seconds=grace,
    )
    sys.exit(Supervisor(settings, options, available=set(main.commands)).run())


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the snapshot as one JSON object.")
@click.option("--data-dir", type=click.Path(path_type=Path), help="Default: the data_dir setting.")
def status(as_json: bool, data_dir: Path | None) -> None:
    """Print what is flowing, once: documents in, events out, rejected, streams, lag, queue depth.

    Without NEWSWIRE_REDIS_URL it asks the Redis of a `newswire up` running in this folder.
    """
    import redis
    from pydantic import RedisDsn

    from services.status import collect, report
    from services.up import read_state

    settings = get_settings()
    state = read_state(data_dir or settings.data_dir)
    state_url = state.get("redis_url") if state else None
    if "redis_url" not in settings.model_fields_set and isinstance(state_url, str):
        settings = settings.model_copy(update={"redis_url": RedisDsn(state_url)})
    client = redis.Redis.from_url(str(settings.redis_url), socket_connect_timeout=2, socket_timeout=5)
    try:
        snapshot = collect(client, settings)
    except redis.RedisError as exc:
        raise click.ClickException(f"cannot read status from Redis at {settings.redis_url}: {exc}") from exc
    finally:
        client.close()
    click.echo(json.dumps(snapshot.as_dict()) if as_json else report(snapshot, settings))


@main.command()
@click.option("--host", help="Address to listen on (default: NEWSWIRE_API_HOST, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: NEWSWIRE_API_PORT, 8000).")
def api(host: str | None, port: int | None) -> None:
    """Serve the webhook API: POST documents and fetch requests, GET status and events (SSE)."""
    from services.api import serve

    settings = get_settings()
    serve(settings, host=host or settings.api_host, port=port or settings.api_port)


@main.command()
@click.option("--once", is_flag=True, help="Poll every source one time, then exit (no fetch requests).")
@click.option("--loglevel", default="INFO", show_default=True)
def fetcher(once: bool, loglevel: str) -> None:
    """Poll the feeds, pages and inboxes of NEWSWIRE_SOURCES and serve fetch requests, politely and safely."""
    import asyncio

    from services.fetcher import run_fetcher
    from services.logging import configure_logging

    settings = get_settings()
    configure_logging(settings.log_format, loglevel, role="fetcher")
    if settings.sources is None:
        click.echo("NEWSWIRE_SOURCES is not set: serving fetch requests only", err=True)
    asyncio.run(run_fetcher(settings, once=once))


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=Path(sys.argv[0]).name)
