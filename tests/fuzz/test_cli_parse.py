"""Fuzzing `newswire parse`: random bytes on stdin or in files never make the command crash."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.cli import main

SUFFIXES = [".txt", ".html", ".json", ".jsonl", ".ndjson", ".htm", "", ".bin"]
FUZZ = settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def _check_output(stdout: str, stderr: str) -> int:
    """Every stdout line is an event, every stderr line a rejection with a reason; returns answers."""
    events = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    rejections = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert all(event["id"] and event["body"] for event in events)
    assert all(rejection["reason"] and rejection["doc_id"] for rejection in rejections)
    return len(events) + len(rejections)


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_on_stdin_get_an_event_or_a_rejection(data: bytes) -> None:
    result = CliRunner().invoke(main, ["parse", "-"], input=data)
    assert result.exit_code == 0, result.output
    assert result.exception is None
    answers = _check_output(result.stdout, result.stderr)
    assert answers >= 1  # the document did not vanish


@FUZZ
@given(st.lists(st.binary(max_size=2048), min_size=1, max_size=4), st.sampled_from(SUFFIXES))
def test_random_files_of_any_suffix_get_answers(
    tmp_path_factory: pytest.TempPathFactory, contents: list[bytes], suffix: str
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    for number, content in enumerate(contents):
        (folder / f"doc{number}{suffix}").write_bytes(content)
    result = CliRunner().invoke(main, ["parse", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.exception is None
    _check_output(result.stdout, result.stderr)


def test_the_installed_command_survives_hostile_files(tmp_path: Path) -> None:
    files = {
        "nul.txt": b"\x00" * 10_000,
        "deep.html": b"<div>" * 50_000,
        "deep.json": b"[" * 50_000,
        "lines.jsonl": b'{"headline": 1}\n\xff\xfe\n[]\n{"body": null}\n' + b"{" * 1000 + b"\n",
        "mixed.txt": " date 2024-01-05 Заголовок\n\n".encode() + "Текст новости. ".encode("cp1251") * 50,
        "empty.txt": b"",
    }
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "parse", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    # One answer per document: 5 single files and 5 lines of the .jsonl.
    assert _check_output(done.stdout, done.stderr) == 10
