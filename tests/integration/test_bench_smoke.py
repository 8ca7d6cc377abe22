"""The end-to-end benchmark runs on a tiny corpus and reports its figures as one JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN_KEYS = {
    "workers",
    "batch",
    "documents",
    "pipeline_docs_per_s",
    "noop_docs_per_s",
    "ratio_to_noop",
    "ratio_to_plain_loop",
    "enqueue_docs_per_s",
    "worker_cpu_ms_per_doc",
    "producer_cpu_ms_per_doc",
    "noop_worker_cpu_ms_per_doc",
    "cpu_efficiency_to_plain_loop",
}


def test_bench_pipeline_quick_prints_a_table_and_a_json_line_with_every_figure() -> None:
    argv = [
        sys.executable,
        "bench/bench_pipeline.py",
        "--quick",
        "--workers",
        "1",
        "--n",
        "16",
        "--single-n",
        "4",
    ]
    bench = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = bench.communicate(timeout=100)
    except subprocess.TimeoutExpired:
        # SIGTERM, not SIGKILL: the bench then stops the Redis and workers it started.
        bench.terminate()
        stdout, stderr = bench.communicate(timeout=60)
    done = subprocess.CompletedProcess(argv, bench.returncode, stdout, stderr)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    figures = json.loads(lines[-1])

    assert lines[0].split()[:2] == ["scenario", "docs"]
    assert figures["bench"] == "pipeline"
    assert {
        "date",
        "machine",
        "n",
        "batch_size",
        "plain_loop_docs_per_s",
        "plain_loop_cpu_ms_per_doc",
        "two_idle_cores_docs_per_s",
        "load_average",
        "runs",
        "targets",
    } <= figures.keys()
    assert figures["n"] == 16
    assert figures["plain_loop_docs_per_s"] > 0
    # One batched and one single-document scenario for the one worker layout asked for.
    assert [(run["workers"], run["batch"], run["documents"]) for run in figures["runs"]] == [
        (1, 64, 16),
        (1, 1, 4),
    ]
    for run in figures["runs"]:
        assert set(run) == RUN_KEYS
        assert run["pipeline_docs_per_s"] > 0
        assert run["noop_docs_per_s"] > 0
        assert run["worker_cpu_ms_per_doc"] > 0
    assert set(figures["targets"]) == {
        "docs_per_s",
        "docs_per_s_met",
        "ratio_to_plain_loop",
        "ratio_to_plain_loop_met",
    }
