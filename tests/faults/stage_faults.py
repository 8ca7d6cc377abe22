"""Test-only worker entry point: `newswire worker` with the parse stage wrapped to misbehave.

Run as `python -m tests.faults.stage_faults worker ...`. Before the CLI starts the real Celery
worker, `workers.pipeline.parse` (the name the pipeline calls) is wrapped, so the prefork pool
processes inherit the wrapper. Production code carries no hook: the wrapper exists only here and
only in processes started this way. Environment:

    FAULTS_SLOW_SECONDS   sleep this long before parsing each document (tasks in flight)
    FAULTS_POISON_MARKER  documents whose bytes contain this marker misbehave, as FAULTS_POISON_MODE:
                          raise  -> a RuntimeError escapes the stage (a parser bug)
                          kill   -> the pool process SIGKILLs itself (a segfault, the OOM killer)
                          hang   -> the stage never returns (sleeps until the time limits act)
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from schemas import ParsedArticle, RawDocument

Parse = Callable[[RawDocument], list[ParsedArticle]]


def misbehaving(parse: Parse, *, slow: float, marker: bytes, mode: str) -> Parse:
    """`parse`, delayed by `slow` seconds, misbehaving as `mode` on documents holding `marker`."""

    def wrapped(raw: RawDocument) -> list[ParsedArticle]:
        if slow:
            time.sleep(slow)
        if marker and marker in raw.content:
            if mode == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if mode == "hang":
                time.sleep(3600)
            raise RuntimeError(f"poison document {raw.id}: the stage crashed")
        return parse(raw)

    return wrapped


def install() -> None:
    """Wrap the pipeline's parse stage as the environment asks."""
    import workers.pipeline

    workers.pipeline.parse = misbehaving(
        workers.pipeline.parse,
        slow=float(os.environ.get("FAULTS_SLOW_SECONDS", "0")),
        marker=os.environ.get("FAULTS_POISON_MARKER", "").encode(),
        mode=os.environ.get("FAULTS_POISON_MODE", "raise"),
    )


if __name__ == "__main__":
    install()
    from services.cli import main

    main(prog_name=Path(sys.argv[0]).name)
