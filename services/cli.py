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
@click.option("-c", "--concurrency", type=click.IntRange(1, 64), help="Worker processes (default: CPU count).")
@click.option("--loglevel", default="INFO", show_default=True)
def worker(concurrency: int | None, loglevel: str) -> None:
    """Start a Celery worker that processes documents from the queue."""
    from workers.app import create_app

    settings = get_settings()
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
    printed = 0
    for message in reader.messages():
        click.echo(message.fields.get("data", json.dumps(message.fields)))
        reader.ack(message)
        printed += 1
        if count is not None and printed >= count:
            break


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=Path(sys.argv[0]).name)
