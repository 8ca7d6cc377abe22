"""POST /v1/documents throughput and latency against a bare FastAPI endpoint taking the same body.

    .venv/bin/python bench/bench_api.py            # ~1 minute
    .venv/bin/python bench/bench_api.py --quick    # smoke run, a few seconds per scenario

Everything runs on 127.0.0.1 and is stopped at the end: a private Redis (EmbeddedRedis, AOF on),
`newswire api` (the production command), the bare baseline app under uvicorn with the same server
settings (uvloop, httptools, no access log), and the load from separate processes: wrk
(`apt-get install -y wrk`) for the closed-loop rows, and this script's own open-loop generator
for the fixed-rate rows. Rows:
- bare: a FastAPI endpoint that reads the body and answers 202, nothing else (the baseline);
- bearer: the real endpoint with a bearer token: rate limit (on, at a limit the load never
  reaches, so it is counted as in production), auth, parsing, Celery send, status;
- signed: the same with Standard Webhooks signatures and a unique webhook-id per request, so
  every request also takes the idempotency path (claim, then store the answer);
- /healthz alone and while the signed POST load runs: the Celery producer is synchronous, so the
  route runs it in a thread; if it blocked the event loop, /healthz would wait behind it;
- fixed-rate rows: signed requests at half the signed maximum measured above, sent on a fixed
  schedule whatever the answers do (open loop: a slow answer delays no later request, and each
  latency counts from when its request was due), and the bare endpoint at the same rate.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import corpus
from bench.common import ROOT, bench_settings, client, percentile, private_redis, ratio, report
from services.api.app import SERVER_HTTP, SERVER_LOOP
from services.api.auth import sign
from services.embedded import free_port
from services.keys import Keys

TARGET_RATIO = 0.6
TARGET_P99_MS = 20.0
TOKEN = "bench-token"
SECRET = "whsec_YmVuY2gtc2VjcmV0LWJlbmNoLXNlY3JldC0wMTIz"
CONNECTIONS = 32


def bare_app() -> Any:
    """The baseline: the same route shape, reads the same body, does nothing with it."""
    app = FastAPI()
    gc.freeze()  # as newswire's app does at startup (services/api/app.py), so both are measured alike

    @app.post("/v1/documents", status_code=202)
    async def post(request: Request) -> JSONResponse:
        body = await request.body()
        return JSONResponse({"accepted": 1, "bytes": len(body)}, status_code=202)

    return app


class Server:
    """A uvicorn child process on 127.0.0.1 (one process, the default event loop and HTTP parser)."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.argv = [a.replace("{port}", str(self.port)) for a in argv]
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                httpx.get(f"{self.url}/openapi.json", timeout=1)
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text(errors='replace')[-2000:]}")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def lua_script(path: Path, body: bytes, headers: list[dict[str, str]]) -> Path:
    """A wrk script posting `body`, cycling through the given header sets (one per request)."""

    def lua(text: str) -> str:
        return '"' + "".join(f"\\{b}" for b in text.encode()) + '"'

    rows = ",\n".join("{" + ", ".join(f"[{lua(k)}] = {lua(v)}" for k, v in h.items()) + "}" for h in headers)
    path.write_text(
        f"local body = {lua(body.decode())}\n"
        f"local sets = {{\n{rows}\n}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #sets + 1\n"
        '  return wrk.format("POST", "/v1/documents", sets[i], body)\n'
        "end\n"
    )
    return path


def wrk(
    url: str, seconds: float, *, script: Path | None = None, connections: int = CONNECTIONS
) -> dict[str, float]:
    """Run wrk (one thread) and parse requests/s, p50, p99 and the non-2xx count."""
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "10s"]
    if script:
        argv += ["-s", str(script)]
    out = subprocess.run([*argv, url], capture_output=True, text=True, check=True).stdout
    return _parse_wrk(out)


def _parse_wrk(out: str) -> dict[str, float]:
    def latency(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not match:
            raise RuntimeError(f"no {label}% latency in wrk output:\n{out}")
        scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[match.group(2)]
        return float(match.group(1)) * scale

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    if not rps or not total:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    return {
        "rps": float(rps.group(1)),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "requests": float(total.group(1)),
        "non_2xx": float(non2xx.group(1)) if non2xx else 0.0,
        "socket_errors": 1.0 if errors else 0.0,
    }


def main() -> int:
    """Run every scenario, print the table and the JSON line; exit 1 if the target ratio is missed."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="2 rounds of 1 s instead of 4 rounds of 2 s")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("bench_api needs wrk on PATH: apt-get install -y wrk", file=sys.stderr)
        return 2
    rounds, seconds = (2, 1.0) if args.quick else (4, 2.0)
    body = corpus.dumps(1)[0]
    with private_redis() as (redis_url, work):
        namespace = f"bench-api-{uuid.uuid4().hex[:6]}"
        keys = Keys.from_settings(bench_settings(redis_url, namespace))
        env = dict(os.environ)
        env.update(
            NEWSWIRE_REDIS_URL=redis_url,
            NEWSWIRE_NAMESPACE=namespace,
            NEWSWIRE_QUEUE=namespace,
            NEWSWIRE_API_TOKENS=TOKEN,
            NEWSWIRE_WEBHOOK_SECRETS=SECRET,
            # One load generator is one client: a limit it never reaches, so the rate limit is
            # counted on every request, as in production, without refusing any.
            NEWSWIRE_API_RATE_LIMIT="1000000000",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        )
        # The baseline gets the server settings `newswire api` runs with (services/api/app.py).
        bare_argv = [
            sys.executable, "-m", "uvicorn", "--factory", "bench.bench_api:bare_app",
            "--host", "127.0.0.1", "--port", "{port}", "--log-level", "warning", "--no-access-log",
            "--loop", SERVER_LOOP, "--http", SERVER_HTTP,
        ]  # fmt: skip
        api_argv = [sys.executable, "-m", "services.cli", "api", "--host", "127.0.0.1", "--port", "{port}"]
        bearer = lua_script(
            work / "bearer.lua", body, [{"Content-Type": "text/plain", "Authorization": f"Bearer {TOKEN}"}]
        )
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in SCENARIOS}
        r = client(redis_url)
        with (
            Server(bare_argv, env, work / "bare.log") as bare,
            Server(api_argv, env, work / "api.log") as api,
        ):
            wrk(
                f"{bare.url}/v1/documents", 1, script=bearer
            )  # warm-up: imports, connections, JIT-free caches
            wrk(f"{api.url}/v1/documents", 1, script=bearer)
            # Rounds interleave the scenarios, so a neighbour's load on this shared machine hits them alike.
            for n in range(rounds):
                runs["bare"].append(wrk(f"{bare.url}/v1/documents", seconds, script=bearer))
                before = _accepted(r, keys)
                runs["bearer"].append(wrk(f"{api.url}/v1/documents", seconds, script=bearer))
                runs["bearer"][-1]["accepted"] = _accepted(r, keys) - before
                # Fresh webhook-ids every round (more than a round can send), so none is a replay.
                budget = int(max(runs["bearer"][-1]["rps"], 500) * (seconds + 1) * 3)
                signed = lua_script(work / f"signed{n}.lua", body, _signed_sets(body, budget, prefix=f"r{n}"))
                runs["healthz_idle"].append(wrk(f"{api.url}/healthz", seconds, connections=1))
                before = _accepted(r, keys)
                with subprocess.Popen(
                    ["wrk", "-t1", "-c1", f"-d{max(1, round(seconds))}s", "--latency", f"{api.url}/healthz"],
                    stdout=subprocess.PIPE,
                    text=True,
                ) as probe:
                    runs["signed"].append(wrk(f"{api.url}/v1/documents", seconds, script=signed))
                    runs["healthz_loaded"].append(_parse_wrk(probe.communicate()[0]))
                runs["signed"][-1]["accepted"] = _accepted(r, keys) - before
            # Half the signed maximum, open loop; the bare endpoint at the same rate beside it.
            rate = max(10.0, statistics.median(run["rps"] for run in runs["signed"]) / 2)
            for n in range(rounds):
                runs["bare_fixed"].append(open_loop(bare, work, body, rate, seconds * 2, signed=False))
                before = _accepted(r, keys)
                runs["signed_fixed"].append(open_loop(api, work, body, rate, seconds * 2, prefix=f"f{n}"))
                runs["signed_fixed"][-1]["accepted"] = _accepted(r, keys) - before
        r.close()

    results = {name: _median(rows) for name, rows in runs.items()}
    ratios = {
        name: statistics.median(
            ratio(run["rps"], base["rps"]) for run, base in zip(runs[name], runs["bare"], strict=True)
        )
        for name in ("bearer", "signed")
    }
    ratios["signed_fixed"] = statistics.median(
        ratio(run["rps"], base["rps"])
        for run, base in zip(runs["signed_fixed"], runs["bare_fixed"], strict=True)
    )
    rows = [
        [
            name, results[name]["rps"], results[name]["p50_ms"], results[name]["p99_ms"],
            1.0 if name == "bare" else ratios.get(name, float("nan")),
            results[name]["non_2xx"], results[name].get("accepted", float("nan")),
        ]
        for name in SCENARIOS
    ]  # fmt: skip
    figures = {
        "body_bytes": len(body),
        "connections": CONNECTIONS,
        "rounds": rounds,
        "seconds_per_round": seconds,
        "target_ratio": TARGET_RATIO,
        "ratio_bearer": ratios["bearer"],
        "ratio_signed": ratios["signed"],
        "fixed_rate": results["signed_fixed"]["rate"],
        "target_p99_ms_at_half_max": TARGET_P99_MS,
        "p99_ms_signed_fixed": results["signed_fixed"]["p99_ms"],
        "median": results,
    }
    print(
        f"medians of {rounds} interleaved rounds of {seconds:g} s, {CONNECTIONS} connections, "
        f"{len(body)}-byte body"
    )
    report("api", rows, ["scenario", "req/s", "p50 ms", "p99 ms", "ratio", "non-2xx", "accepted"], figures)
    print(
        f"fixed-rate rows: {results['signed_fixed']['rate']:.0f} req/s (half the signed maximum) for "
        f"{seconds * 2:g} s, open loop; target p99 < {TARGET_P99_MS:g} ms"
    )
    met = min(ratios["bearer"], ratios["signed"]) >= TARGET_RATIO
    return 0 if met and results["signed_fixed"]["p99_ms"] < TARGET_P99_MS else 1


SCENARIOS = ("bare", "bearer", "signed", "healthz_idle", "healthz_loaded", "bare_fixed", "signed_fixed")


def open_loop(
    server: Server,
    work: Path,
    body: bytes,
    rate: float,
    seconds: float,
    *,
    signed: bool = True,
    prefix: str = "",
) -> dict[str, float]:
    """POST at a fixed rate from a separate process (this script, --open-loop).

    p50/p99 are counted from when each request was due, not when it was sent.
    """
    count = max(1, int(rate * seconds))
    sets = (
        _signed_sets(body, count, prefix=prefix)
        if signed
        else [{"Content-Type": "text/plain", "Authorization": f"Bearer {TOKEN}"}]
    )
    requests = [
        f"POST /v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n".encode()
        + "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode()
        + b"\r\n"
        + body
        for headers in sets
    ]
    path = work / f"open-loop-{prefix or 'bare'}.json"
    path.write_text(json.dumps([req.decode() for req in requests]))
    argv = [sys.executable, __file__, "--open-loop", str(server.port), str(rate), str(count), str(path)]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return {key: float(value) for key, value in json.loads(out).items()}


def _open_loop_main(port: int, rate: float, count: int, path: Path) -> None:
    """The load generator process: `count` requests at `rate`/s over CONNECTIONS keep-alive connections."""
    requests = [req.encode() for req in json.loads(path.read_text())]
    print(json.dumps(asyncio.run(_open_loop(port, rate, count, requests))))


async def _open_loop(port: int, rate: float, count: int, requests: list[bytes]) -> dict[str, float]:
    loop = asyncio.get_running_loop()
    due_indices: asyncio.Queue[int] = asyncio.Queue()
    for index in range(count):
        due_indices.put_nowait(index)
    latencies: list[float] = []
    failed = 0
    start = loop.time() + 0.1

    async def connection() -> None:
        nonlocal failed
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while not due_indices.empty():
                index = due_indices.get_nowait()
                due = start + index / rate
                if (delay := due - loop.time()) > 0:
                    await asyncio.sleep(delay)
                writer.write(requests[index % len(requests)])
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
                await reader.readexactly(int(length.group(1)) if length else 0)
                # From when the request was due, not when it went out: waiting for a free
                # connection counts, so a stalled server cannot hide its stall (coordinated omission).
                latencies.append(loop.time() - due)
                failed += not head.startswith(b"HTTP/1.1 2")
        finally:
            writer.close()
            await writer.wait_closed()

    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    elapsed = loop.time() - start
    return {
        "rate": rate,
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1e3,
        "p99_ms": percentile(latencies, 99) * 1e3,
        "requests": float(len(latencies)),
        "non_2xx": float(failed),
        "socket_errors": 0.0,
    }


def _signed_sets(body: bytes, count: int, *, prefix: str) -> list[dict[str, str]]:
    now = int(time.time())
    sets = []
    for n in range(count):
        msg_id = f"msg_bench_{prefix}_{n}"
        sets.append({
            "Content-Type": "text/plain",
            "webhook-id": msg_id,
            "webhook-timestamp": str(now),
            "webhook-signature": sign(SECRET, msg_id, now, body),
        })  # fmt: skip
    return sets


def _accepted(r: Any, keys: Keys) -> float:
    # The Enqueuer counts every document it hands to the broker.
    return float(r.hget(keys.counters, "documents_in:webhook") or 0)


def _median(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(row[key] for row in rows) for key in rows[0]}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--open-loop"]:
        _open_loop_main(int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5]))
        raise SystemExit(0)
    raise SystemExit(main())
