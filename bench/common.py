"""Helpers shared by the benchmarks: result lines, the machine, timing, processes, messages.

Every benchmark prints one JSON object per line. A measured line has ``name``, ``value``,
``unit``, what it is compared with (``peer``: another tool doing the same job; ``floor``:
the least work that does the same thing), ``peer_value`` and ``ratio`` (Saphan over the
peer, oriented so that above 1 always means Saphan does better: for times and latencies
the peer's figure is divided by Saphan's). A peer that cannot run gives a line with
``skipped`` and the reason instead of figures.

Processes (a ``saphan serve`` hub, the bare servers of :mod:`servers`, the load generator
of :mod:`loadgen`) are started with this interpreter, on loopback only, and stopped by
their own process id. What this module does not do: measure anything itself.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import platform
import re
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from saphan.ledger.keys import SigningKey, write_private_key
from saphan.simulate.keys import directory_entry

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PG_ADMIN_URL = os.environ.get(
    "SAPHAN_BENCH_PG", os.environ.get("SAPHAN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
)


# Result lines.


def ratio(value: float, other: float, *, higher_is_better: bool = True) -> float:
    """Saphan over the peer, so that above 1 means Saphan is better."""
    if value <= 0 or other <= 0:
        return 0.0
    r = value / other if higher_is_better else other / value
    return float(f"{r:.4g}")


def emit(
    name: str,
    value: float,
    unit: str,
    *,
    peer: str | None = None,
    floor: str | None = None,
    peer_value: float,
    higher_is_better: bool = True,
    bar: float | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Print one measured line (and return it)."""
    out: dict[str, Any] = {"name": name, "value": _round(value), "unit": unit}
    if peer is not None:
        out["peer"] = peer
    if floor is not None:
        out["floor"] = floor
    out["peer_value"] = _round(peer_value)
    out["ratio"] = ratio(value, peer_value, higher_is_better=higher_is_better)
    if bar is not None:
        out["bar"] = bar
        out["meets_bar"] = out["ratio"] >= bar
    out.update(extra)
    print(json.dumps(out, ensure_ascii=False), flush=True)
    return out


def skipped(name: str, reason: str, *, peer: str | None = None, **extra: Any) -> None:
    """Print the line of a comparison that could not run, and why (never a made-up figure)."""
    out: dict[str, Any] = {"name": name, "skipped": reason}
    if peer is not None:
        out["peer"] = peer
    out.update(extra)
    print(json.dumps(out, ensure_ascii=False), flush=True)


def note(name: str, **fields: Any) -> None:
    """A line of context (no comparison): build times, sizes."""
    print(json.dumps({"name": name, **fields}, ensure_ascii=False), flush=True)


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of ``samples``."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# The machine.


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = ""
    with contextlib.suppress(OSError):
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    memory_gib = 0.0
    with contextlib.suppress(OSError, ValueError):
        for text in Path("/proc/meminfo").read_text().splitlines():
            if text.startswith("MemTotal:"):
                memory_gib = round(int(text.split()[1]) / 1024 / 1024, 1)
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": memory_gib,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def pg_version() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            sync = conn.execute("SHOW synchronous_commit").fetchone()
            fsync = conn.execute("SHOW fsync").fetchone()
    except Exception:  # noqa: BLE001 - absent server: reported as None
        return None
    assert row is not None and sync is not None and fsync is not None
    return f"{row[0]} (fsync={fsync[0]}, synchronous_commit={sync[0]})"


# PostgreSQL databases for one run.


@cache
def pg_available() -> bool:
    return pg_version() is not None


@contextlib.contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A new database next to the admin URL's, dropped afterwards."""
    import psycopg

    name = f"saphan_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


# Processes on loopback.


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proc:
    """A child process started with this interpreter, stopped by its own pid."""

    def __init__(self, args: Sequence[str], *, log: Path, env: dict[str, str] | None = None):
        self.log = log
        handle = log.open("ab")
        self.popen = subprocess.Popen(
            [sys.executable, *args],
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=handle,
            cwd=ROOT,
        )
        handle.close()
        self.url = ""

    def wait_ready(self, timeout: float = 60) -> str:
        """Read the ready line (``... listening on URL``) and return the URL."""
        assert self.popen.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.popen.stdout.readline().decode()
            if match := re.search(r"listening on (http://\S+)", text):
                self.url = match.group(1)
                return self.url
            if not text and self.popen.poll() is not None:
                break
        raise RuntimeError(f"{self.log.name}: no ready line; see {self.log}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)


def start_hub(
    data: Path, *, db: str | None = None, workers: bool = True, env: dict[str, str] | None = None
) -> Proc:
    """``saphan serve`` on a free loopback port, returned once ``/healthz`` answers."""
    import httpx

    port = free_port()
    args = ["-m", "saphan", "serve", "--data", str(data), "--port", str(port)]
    if db:
        args += ["--db", db]
    if not workers:
        args.append("--no-workers")
    proc = Proc(args, log=data / "bench-hub.log", env=env)
    proc.url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise RuntimeError(f"the hub exited; see {proc.log}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{proc.url}/healthz", timeout=1).status_code == 200:
                return proc
        time.sleep(0.1)
    proc.stop()
    raise RuntimeError(f"the hub did not start; see {proc.log}")


def start_server(kind: str, *args: str, log: Path) -> Proc:
    """One of the bare servers of :mod:`servers` (``bare``, ``receiver``, ``relay``)."""
    proc = Proc([str(BENCH / "servers.py"), kind, *args], log=log)
    proc.wait_ready()
    return proc


def load(
    url: str,
    *,
    count: int,
    concurrency: int,
    key: Path,
    start: int = 0,
    warmup: int = 0,
    max_seconds: float = 60,
    target: str = "DOL",
) -> dict[str, Any]:
    """Run :mod:`loadgen` in its own process against ``url``; its JSON summary."""
    args = [
        sys.executable,
        str(BENCH / "loadgen.py"),
        "--url",
        url,
        "--key",
        str(key),
        "--count",
        str(count),
        "--concurrency",
        str(concurrency),
        "--start",
        str(start),
        "--warmup",
        str(warmup),
        "--max-seconds",
        str(max_seconds),
        "--target",
        target,
    ]
    done = subprocess.run(
        args, capture_output=True, text=True, check=False, timeout=max_seconds + 120
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# A hub's world: agency keys, the directory overlay, the agency it pushes to.

SENDER = "PSC"  # the 1111 centre: sends pmo1111 batches
RECEIVER = "DOL"  # Department of Lands: receives pmo1111


def write_world(
    data: Path, push: dict[str, str] | None = None, keys: dict[str, SigningKey] | None = None
) -> dict[str, SigningKey]:
    """Keys for the sender and the receiver (PEM files in ``data/bench-keys``; new unless
    given) and the ``agencies.local.yaml`` overlay naming them; ``push`` maps a code to its
    endpoint (the others pull)."""
    push = push or {}
    keys = keys or {code: SigningKey.generate() for code in (SENDER, RECEIVER)}
    folder = data / "bench-keys"
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for code, key in keys.items():
        write_private_key(folder / f"{code}.pem", key.private)
        entries.append(directory_entry(code, "pmo1111", key, endpoint=push.get(code)))
    (data / "agencies.local.yaml").write_text(
        yaml.safe_dump({"version": 1, "agencies": entries}, allow_unicode=True), encoding="utf-8"
    )
    return keys


def key_path(data: Path, code: str) -> Path:
    return data / "bench-keys" / f"{code}.pem"


@contextlib.contextmanager
def receiving_agency(data: Path, keys: dict[str, SigningKey], *, log: Path) -> Iterator[Proc]:
    """A receipt-giving receiver (:mod:`servers` ``receiver``) answering as ``RECEIVER``
    with its key from ``data``, and the overlay rewritten (same ``keys``) so that the hub
    pushes ``RECEIVER``'s transfers to it; stopped on leaving."""
    receiver = start_server(
        "receiver",
        "--code",
        RECEIVER,
        "--key",
        str(key_path(data, RECEIVER)),
        log=log,
    )
    try:
        write_world(data, push={RECEIVER: f"{receiver.url}/inbound"}, keys=keys)
        yield receiver
    finally:
        receiver.stop()


@cache
def _pmo_example() -> dict[str, Any]:
    text = (resources.files("saphan.demo") / "examples" / "batch-three-records.json").read_text(
        encoding="utf-8"
    )
    example: dict[str, Any] = json.loads(text)
    return example


def pmo_message(number: int, target: str = RECEIVER) -> bytes:
    """A 1111 batch of one record with its own ticket number (a new case each)."""
    example = _pmo_example()
    record = copy.deepcopy(example["records"][1])
    day, sequence = divmod(number, 10_000_000)  # yymmdd + a 7-digit sequence
    record["ticket_no"] = f"6710{11 + day:02d}{sequence:07d}"
    record["target_agency"] = target
    envelope = {
        "psc_version": "1.0",
        "batch_id": f"PSC-20241011-{number % 10_000:04d}",
        "generated_ms": example["generated_ms"],
        "records": [record],
    }
    return json.dumps(envelope, ensure_ascii=False).encode()


def workdir(prefix: str) -> Path:
    import tempfile

    return Path(tempfile.mkdtemp(prefix=f"saphan-bench-{prefix}-"))


def remove(path: Path) -> None:
    """Remove a run's folder (kept when ``SAPHAN_BENCH_KEEP`` is set, to read its logs)."""
    if os.environ.get("SAPHAN_BENCH_KEEP"):
        print(f"kept {path}", file=sys.stderr)
        return
    shutil.rmtree(path, ignore_errors=True)
