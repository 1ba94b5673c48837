"""End to end: a case in over HTTP, out to the receiving agency, delivered with its receipt.

On SQLite and on PostgreSQL, a real ``saphan serve`` (intake and its push worker in one
process, default settings) takes signed 1111 submissions from the load generator
(:mod:`loadgen`, its own process, 16 in flight) and pushes each new case to a receiving
agency process (:mod:`servers` ``receiver``: answers a signed receipt over the bytes it
got, nothing else). A case counts when the hub has verified that receipt and recorded the
delivery. Throughput is the number of cases over the time from the first intake to the
last recorded delivery; latency per case is from the intake's timestamp to the delivery's
(both written by the hub, read from its database afterwards).

The floor, measured in the same run: :mod:`servers` ``relay``, the same two HTTP requests
per case (one in, one out to a bare receiver) on the same stack, and the durable commits
the case's two states need (stored before it goes out, marked delivered when answered),
on the same kind of database; its latency is the inbound request's.

Lines: ``e2e_<db>_cases_per_s`` (bar: 0.25 of the floor), ``e2e_<db>_latency_p50`` and
``..._p99`` (ms, ratio = floor over the hub's). Run ``python bench/bench_e2e.py`` or
``--quick``.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import (
    SENDER,
    emit,
    fresh_pg_database,
    key_path,
    load,
    percentile,
    pg_available,
    receiving_agency,
    remove,
    skipped,
    start_hub,
    start_server,
    workdir,
    write_world,
)
from sqlalchemy import Engine, func, select

from saphan.store.db import make_engine
from saphan.store.tables import TransferRow

T = TransferRow.__table__  # type: ignore[attr-defined]
CONCURRENCY = 16


@contextlib.contextmanager
def database(kind: str, folder: Path, name: str) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / name}"
    else:
        with fresh_pg_database() as url:
            yield url


def delivered_since(engine: Engine, since: datetime) -> tuple[int, int]:
    with engine.connect() as conn:
        row = conn.execute(
            select(
                func.count(),
                func.count(T.c.delivered_at),
            ).where(T.c.created_at >= since)
        ).one()
    return int(row[0]), int(row[1])


def wait_delivered(engine: Engine, since: datetime, expected: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        created, delivered = delivered_since(engine, since)
        if created >= expected and delivered >= created:
            return True
        time.sleep(0.1)
    return False


def drive(url: str, data: Path, count: int, warmup: int, cap: float) -> dict[str, Any]:
    """The load generator against ``url`` as the sender of ``data``: the same load for the
    hub and for its floor."""
    return load(
        url,
        count=count,
        warmup=warmup,
        concurrency=CONCURRENCY,
        key=key_path(data, SENDER),
        max_seconds=cap,
    )


def run_hub(kind: str, work: Path, count: int, warmup: int, cap: float) -> dict[str, float]:
    """The hub with its push worker, a receipt-giving receiver; figures from its database."""
    data = work / f"hub-{kind}"
    keys = write_world(data)
    with (
        receiving_agency(data, keys, log=work / f"receiver-{kind}.log"),
        database(kind, data, "saphan.db") as url,
    ):
        hub = start_hub(data, db=url)
        engine = make_engine(url, writer=False)
        try:
            result = drive(hub.url, data, count, warmup, cap)
            mark = datetime.fromtimestamp(result["measured_from"], UTC)
            accepted = result["statuses"].get("201", 0)
            if accepted != result["requests"]:
                raise SystemExit(f"the hub refused requests: {result['statuses']}")
            if not wait_delivered(engine, mark, accepted, cap + 60):
                raise SystemExit(f"not every case was delivered in time; see {data}")
            with engine.connect() as conn:
                rows = conn.execute(
                    select(T.c.created_at, T.c.delivered_at).where(T.c.created_at >= mark)
                ).all()
        finally:
            engine.dispose()
            hub.stop()
    first = min(r[0] for r in rows)
    last = max(r[1] for r in rows)
    latencies = [(r[1] - r[0]).total_seconds() for r in rows]
    return {
        "cases": len(rows),
        "per_s": len(rows) / (last - first).total_seconds(),
        "p50_ms": percentile(latencies, 50) * 1e3,
        "p99_ms": percentile(latencies, 99) * 1e3,
        "intake_per_s": result["per_s"],
    }


def run_floor(kind: str, work: Path, count: int, warmup: int, cap: float) -> dict[str, float]:
    """The relay floor: two bare requests and two durable commits per case."""
    folder = work / f"floor-{kind}"
    write_world(folder)
    bare = start_server("bare", log=work / f"bare-{kind}.log")
    try:
        with database(kind, folder, "relay.db") as url:
            relay = start_server(
                "relay",
                "--db",
                url,
                "--receiver",
                f"{bare.url}/inbound",
                log=work / f"relay-{kind}.log",
            )
            try:
                result = drive(relay.url, folder, count, warmup, cap)
            finally:
                relay.stop()
    finally:
        bare.stop()
    if result["statuses"].get("201", 0) != result["requests"]:
        raise SystemExit(f"the relay floor failed requests: {result['statuses']}")
    return {
        "cases": result["requests"],
        "per_s": result["per_s"],
        "p50_ms": result["p50_ms"],
        "p99_ms": result["p99_ms"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer cases (about a minute)")
    args = parser.parse_args()
    count, warmup, cap = (150, 10, 20.0) if args.quick else (3000, 100, 180.0)

    work = workdir("e2e")
    try:
        for kind in ("sqlite", "postgresql"):
            if kind == "postgresql" and not pg_available():
                skipped(f"e2e_{kind}_cases_per_s", "PostgreSQL is not reachable")
                continue
            hub = run_hub(kind, work, count, warmup, cap)
            floor = run_floor(kind, work, count, warmup, cap)
            what = (
                "two bare HTTP requests per case (in, out to a bare receiver) and two "
                f"durable single-row commits on {kind}"
            )
            emit(
                f"e2e_{kind}_cases_per_s",
                hub["per_s"],
                "cases/s",
                floor=what,
                peer_value=floor["per_s"],
                bar=0.25,
                cases=hub["cases"],
                intake_per_s=round(hub["intake_per_s"], 2),
            )
            for q in ("p50", "p99"):
                emit(
                    f"e2e_{kind}_latency_{q}",
                    hub[f"{q}_ms"],
                    "ms",
                    floor=what,
                    peer_value=floor[f"{q}_ms"],
                    higher_is_better=False,
                    cases=hub["cases"],
                )
    finally:
        remove(work)


if __name__ == "__main__":
    main()
