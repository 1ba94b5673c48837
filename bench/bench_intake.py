"""Intake over HTTP: a real ``saphan serve`` against a bare FastAPI endpoint (the floor).

Each request is a signed 1111 submission of one new case. The hub checks the RFC 9421
signature and its nonce, parses and translates the record, routes it, commits the case,
its transfer, the log entries and the timeline durably (SQLite WAL, ``synchronous=FULL``)
and answers with a signed receipt. The floor is the same uvicorn/FastAPI stack answering
201 to the same requests without doing anything. The load generator is a separate process
(:mod:`loadgen`, aiohttp, every request signed before the clock starts) on loopback, with
16 requests in flight; counts are bounded and so is time.

Lines: ``intake_http_throughput`` (req/s, bar: 0.2 of the floor), ``intake_http_p50`` and
``intake_http_p99`` (ms; ratio = floor latency over the hub's). The delivery worker is off
(``--no-workers``) so that only intake is measured. Run ``python bench/bench_intake.py``
or ``--quick``.
"""

from __future__ import annotations

import argparse
import sqlite3

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


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests (under a minute)")
    args = parser.parse_args()
    count, warmup, cap = (300, 30, 12.0) if args.quick else (4000, 200, 120.0)

    work = workdir("intake")
    try:
        data = work / "hub"
        write_world(data)
        key = key_path(data, SENDER)
        hub = start_hub(data, workers=False)
        try:
            saphan = load(
                hub.url,
                count=count,
                warmup=warmup,
                concurrency=CONCURRENCY,
                key=key,
                max_seconds=cap,
                target=RECEIVER,
            )
        finally:
            hub.stop()
        accepted = saphan["statuses"].get("201", 0)
        if accepted != saphan["requests"]:
            raise SystemExit(f"the hub refused requests: {saphan['statuses']}; see {data}")
        with sqlite3.connect(data / "saphan.db") as db:
            (cases,) = db.execute("SELECT count(*) FROM cases").fetchone()
            (entries,) = db.execute("SELECT size FROM log_state").fetchone()
        assert cases == accepted + warmup, (cases, accepted, warmup)

        bare = start_server("bare", log=work / "bare.log")
        try:
            floor = load(
                bare.url,
                count=count,
                warmup=warmup,
                concurrency=CONCURRENCY,
                key=key,
                max_seconds=cap,
                target=RECEIVER,
            )
        finally:
            bare.stop()

        what = "bare FastAPI endpoint doing no work, same uvicorn, same signed requests"
        common = {"requests": saphan["requests"], "concurrency": CONCURRENCY}
        emit(
            "intake_http_throughput",
            saphan["per_s"],
            "req/s",
            floor=what,
            peer_value=floor["per_s"],
            bar=0.2,
            log_entries=entries,
            **common,
        )
        emit(
            "intake_http_p50",
            saphan["p50_ms"],
            "ms",
            floor=what,
            peer_value=floor["p50_ms"],
            higher_is_better=False,
            **common,
        )
        emit(
            "intake_http_p99",
            saphan["p99_ms"],
            "ms",
            floor=what,
            peer_value=floor["p99_ms"],
            higher_is_better=False,
            **common,
        )
    finally:
        remove(work)


if __name__ == "__main__":
    main()
