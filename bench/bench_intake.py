"""Intake over HTTP: a real ``saphan serve`` against a bare FastAPI endpoint (the floor).

Each request is a signed 1111 submission of one new case. The hub checks the RFC 9421
signature and its nonce, parses and translates the record, routes it, commits the case,
its transfer, the log entries and the timeline durably (SQLite WAL, ``synchronous=FULL``)
and answers with a signed receipt. The floor is the same uvicorn/FastAPI stack answering
201 to the same requests without doing anything. The load generator is a separate process
(:mod:`loadgen`, aiohttp, every request signed before the clock starts) on loopback, with
16 requests in flight; counts are bounded and so is time. The hub and the floor are measured
in alternating rounds (three), the floor with ten times as many requests a round (its rounds
would otherwise last a fraction of a second); figures are the medians of the rounds.

Lines: ``intake_http_throughput`` (req/s, bar: 0.2 of the floor),
``intake_http_cpu_per_request`` (the server process's CPU time per request, warm-up
included, on Linux), ``intake_http_p50`` and ``intake_http_p99`` (ms; ratio = floor latency
over the hub's). The delivery worker is off
(``--no-workers``) so that only intake is measured. Run ``python bench/bench_intake.py``
or ``--quick``.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
from pathlib import Path
from typing import Any

from common import (
    RECEIVER,
    SENDER,
    emit,
    key_path,
    load,
    remove,
    start_hub,
    start_server,
    workdir,
    write_world,
)

CONCURRENCY = 16


def _median(rounds: list[dict[str, Any]], field: str) -> float:
    return float(statistics.median(r[field] for r in rounds))


def _cpu_s(pid: int) -> float | None:
    """User and system CPU seconds of a process so far (Linux), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests (under a minute)")
    args = parser.parse_args()
    # The floor answers ten times as many requests per round as the hub: a round of a few
    # hundred bare requests lasts a tenth of a second, too short to mean anything.
    count, floor_count, warmup, rounds, cap = (
        (300, 3000, 30, 3, 12.0) if args.quick else (2000, 20000, 200, 3, 60.0)
    )

    work = workdir("intake")
    try:
        data = work / "hub"
        write_world(data)
        key = key_path(data, SENDER)
        hub = start_hub(data, workers=False)
        bare = start_server("bare", log=work / "bare.log")
        saphan: list[dict[str, Any]] = []
        floor: list[dict[str, Any]] = []
        number = 0
        try:
            # Alternating rounds, so that the machine's drift touches both sides alike.
            for _ in range(rounds):
                for server, n, out in ((hub, count, saphan), (bare, floor_count, floor)):
                    pid = server.popen.pid
                    # CPU is read around the whole load, warm-up included: per request it
                    # is an upper bound, close when the warm-up is small.
                    before = _cpu_s(pid)
                    result = load(
                        server.url,
                        count=n,
                        warmup=warmup,
                        start=number,
                        concurrency=CONCURRENCY,
                        key=key,
                        max_seconds=cap,
                        target=RECEIVER,
                    )
                    after = _cpu_s(pid)
                    if before is not None and after is not None:
                        done = result["requests"] + warmup
                        result["cpu_ms_per_request"] = (after - before) / done * 1e3
                    out.append(result)
                    number += n + warmup
        finally:
            hub.stop()
            bare.stop()
        accepted = sum(r["statuses"].get("201", 0) for r in saphan)
        if accepted != sum(r["requests"] for r in saphan):
            raise SystemExit(f"the hub refused requests: {[r['statuses'] for r in saphan]}")
        with sqlite3.connect(data / "saphan.db") as db:
            (cases,) = db.execute("SELECT count(*) FROM cases").fetchone()
            (entries,) = db.execute("SELECT size FROM log_state").fetchone()
        assert cases == accepted + rounds * warmup, (cases, accepted, warmup)

        what = "bare FastAPI endpoint doing no work, same uvicorn, same signed requests"
        # extra fields of each line, passed through to the JSON as they are
        common: dict[str, Any] = {
            "requests_per_round": count,
            "floor_requests_per_round": floor_count,
            "rounds": rounds,
            "concurrency": CONCURRENCY,
            "medians_of": "alternating rounds",
        }
        emit(
            "intake_http_throughput",
            _median(saphan, "per_s"),
            "req/s",
            floor=what,
            peer_value=_median(floor, "per_s"),
            bar=0.2,
            log_entries=entries,
            rounds_hub=[r["per_s"] for r in saphan],
            rounds_floor=[r["per_s"] for r in floor],
            **common,
        )
        if all("cpu_ms_per_request" in r for r in saphan + floor):
            emit(
                "intake_http_cpu_per_request",
                _median(saphan, "cpu_ms_per_request"),
                "ms CPU",
                floor=f"{what}: the server process's CPU per request",
                peer_value=_median(floor, "cpu_ms_per_request"),
                higher_is_better=False,
                **common,
            )
        for q in ("p50", "p99"):
            emit(
                f"intake_http_{q}",
                _median(saphan, f"{q}_ms"),
                "ms",
                floor=what,
                peer_value=_median(floor, f"{q}_ms"),
                higher_is_better=False,
                **common,
            )
    finally:
        remove(work)


if __name__ == "__main__":
    main()
