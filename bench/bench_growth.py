"""Growth: does a case cost the same with a large store, and how fast does a backlog drain?

* ``growth_intake_per_s``: the store is filled to 10,000, 100,000 and 1,000,000 cases
  (``--quick``: 10,000 and 30,000), each with its references, message, transfer,
  timeline and three log entries (:mod:`growth_store`: clones of one real case,
  bulk-inserted with SQL); a copy of the store is kept at each size. Then a fresh process
  opens the hub on each copy and takes in a fixed number of new 1111 cases through the
  real intake (``saphan.engine.intake.intake``: parse, translate, route, durable commit
  with ``synchronous=FULL``, log append, receipt), one message after another, every size
  twice in alternating rounds so that the machine's drift touches them alike. Value:
  cases/s at the largest size, compared with the same at 10,000 (bar: 0.8, within 20%).
  ``growth_intake_cpu_per_case``: the process's CPU time per case, the same comparison
  without the waits on fsync and on other work. ``growth_intake_rss``: the process's peak
  memory.
* ``growth_claim_at_backlog``: one outbox claim (16 transfers) with the backlog queued,
  as ``saphan.store.claims.claim`` writes it, against the same claim written as two
  index-ordered selects (a possible rewrite; same rows).
* ``growth_drain_backlog``: an agency was down; 100,000 transfers to it are queued
  (``--quick``: 10,000). A ``saphan serve`` process with its push worker starts and a
  receipt-giving receiver (:mod:`servers`) is up: the time until every transfer is
  delivered with a verified receipt. Compared with the rate of draining a backlog of
  1,000 the same way.

Run ``python bench/bench_growth.py`` (long: the 1,000,000 store takes a while to build) or
``--quick`` (10,000 and 100,000; backlog 10,000).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import (
    RECEIVER,
    SENDER,
    emit,
    peak_rss_mb,
    pmo_message,
    receiving_agency,
    remove,
    start_hub,
    workdir,
    write_world,
)
from growth_store import TRANSFERS, Template, capture, clone
from sqlalchemy import Engine, func, select, text

from saphan.config import Settings
from saphan.engine.intake import intake
from saphan.engine.services import Services, build
from saphan.store import claims
from saphan.store.db import make_engine

BATCH = 10_000
FRESH = 50_000_000  # pmo numbers of the measured cases, apart from everything else


def open_hub(data: Path) -> Services:
    return build(Settings(data_dir=data, delivery_workers=False))


def take_in(svc: Services, number: int) -> str:
    answer = intake(svc, "pmo1111", SENDER, pmo_message(number))
    assert answer.status == 201, answer.body[:500]
    record: dict[str, Any] = json.loads(answer.body)["records"][0]
    return str(record["case_id"])


def template(svc: Services, number: int) -> Template:
    return capture(svc, take_in(svc, number))


def fill(loader: Engine, svc: Services, tpl: Template, start: int, end: int, **how: Any) -> None:
    now = datetime.now(UTC)
    for first in range(start, end, BATCH):
        clone(loader, svc, tpl, range(first, min(first + BATCH, end)), now=now, **how)


# Intake at each size, measured in a fresh process.


def measure(data: Path, count: int, start: int) -> None:
    svc = open_hub(data)
    for n in range(start, start + 20):  # warm-up: imports, caches, connections
        take_in(svc, n)
    started, cpu = time.perf_counter(), time.process_time()
    for n in range(start + 20, start + 20 + count):
        take_in(svc, n)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    svc.close()
    out = {"per_s": count / seconds, "cpu_ms": cpu / count * 1e3, "rss_mb": peak_rss_mb()}
    print(json.dumps(out), flush=True)


def measured(data: Path, count: int, start: int) -> dict[str, float]:
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--measure",
            str(data),
            "--count",
            str(count),
            "--start",
            str(start),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def snapshot(data: Path, to: Path) -> None:
    """A copy of a hub folder with its database checkpointed (no WAL left behind)."""
    with sqlite3.connect(data / "saphan.db") as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copytree(data, to, ignore=shutil.ignore_patterns("saphan.db-wal", "saphan.db-shm"))


def combined(runs: list[dict[str, float]]) -> dict[str, float]:
    """Rounds of the same size together: the rate over all cases, mean CPU, peak memory."""
    return {
        "per_s": len(runs) / sum(1 / r["per_s"] for r in runs),
        "cpu_ms": statistics.mean(r["cpu_ms"] for r in runs),
        "rss_mb": max(r["rss_mb"] for r in runs),
    }


def growth(work: Path, sizes: list[int], count: int) -> None:
    """Build the store size by size (keeping a copy of each smaller one), then measure every
    size in alternating rounds, so that the machine's drift touches them alike."""
    data = work / "growth"
    write_world(data)
    svc = open_hub(data)
    tpl = template(svc, 0)
    loader = make_engine(svc.settings.database_url(), durable=False)
    built = 1
    stores: dict[int, Path] = {}
    per_size: list[dict[str, Any]] = []
    for size in sizes:
        started = time.perf_counter()
        fill(loader, svc, tpl, built, size, state="delivered")
        build_s = time.perf_counter() - started
        built = size
        with loader.connect() as conn:
            entries = conn.execute(text("SELECT size FROM log_state")).scalar()
        per_size.append(
            {
                "cases": size,
                "log_entries": entries,
                "build_s": round(build_s, 1),
                "db_mb": round(sum(f.stat().st_size for f in data.glob("saphan.db*")) / 2**20, 1),
            }
        )
        stores[size] = data
        if size != sizes[-1]:
            stores[size] = work / f"growth-{size}"
            snapshot(data, stores[size])
    loader.dispose()
    svc.close()
    runs: dict[int, list[dict[str, float]]] = {size: [] for size in sizes}
    half = max(1, count // 2)
    for turn in range(2):
        for size in sizes if turn == 0 else reversed(sizes):
            runs[size].append(measured(stores[size], half, FRESH + size + turn * (half + 20)))
    results = {size: combined(runs[size]) for size in sizes}
    for row in per_size:
        result = results[row["cases"]]
        row.update(
            intake_per_s=round(result["per_s"], 1),
            cpu_ms_per_case=round(result["cpu_ms"], 2),
            rss_mb=round(result["rss_mb"], 1),
        )
    small, large = results[sizes[0]], results[sizes[-1]]

    def against_smallest(name: str, figure: str, unit: str, what: str, **how: Any) -> None:
        """The figure at the largest size over the same at the smallest."""
        emit(
            name,
            large[figure],
            unit,
            floor=f"the same {what} with {sizes[0]:,} cases in the store",
            peer_value=small[figure],
            cases=sizes[-1],
            **how,
        )

    against_smallest(
        "growth_intake_per_s",
        "per_s",
        "cases/s",
        "intake",
        bar=0.8,
        measured=count,
        per_size=per_size,
    )
    against_smallest(
        "growth_intake_cpu_per_case", "cpu_ms", "ms", "intake", higher_is_better=False, bar=0.8
    )
    against_smallest("growth_intake_rss", "rss_mb", "MB", "process", higher_is_better=False)


# The backlog after an outage.

UNION_CLAIM = text(
    "SELECT id FROM (SELECT id FROM transfers WHERE state = 'pending' AND "
    "next_attempt_at <= :now AND mode = 'push' ORDER BY next_attempt_at LIMIT :n) "
    "UNION ALL SELECT id FROM (SELECT id FROM transfers WHERE state = 'in_flight' AND "
    "claimed_until < :now AND mode = 'push' LIMIT :n) LIMIT :n"
)


def claim_latency(engine: Engine, backlog: int) -> None:
    now = datetime.now(UTC) + timedelta(minutes=1)
    ours, theirs = [], []
    for _ in range(20):
        with engine.connect() as conn:
            started = time.perf_counter()
            got = claims.claim(conn, worker="probe", now=now, lease=timedelta(seconds=30), limit=16)
            ours.append(time.perf_counter() - started)
            conn.rollback()
        with engine.connect() as conn:
            stamp = now.replace(tzinfo=None).isoformat(sep=" ")
            started = time.perf_counter()
            rows = conn.execute(UNION_CLAIM, {"now": stamp, "n": 16}).all()
            theirs.append(time.perf_counter() - started)
            conn.rollback()
        assert len(got) == len(rows) == 16
    emit(
        "growth_claim_at_backlog",
        statistics.median(ours) * 1e3,
        "ms",
        peer="the same claim as two index-ordered selects (UNION ALL)",
        peer_value=statistics.median(theirs) * 1e3,
        higher_is_better=False,
        backlog=backlog,
    )


def drain(work: Path, backlog: int, cap: float, probe: bool) -> tuple[int, float]:
    """Transfers of a queued ``backlog`` a hub delivered, and in how many seconds (the
    whole backlog, or what it delivered in ``cap`` seconds)."""
    data = work / f"drain-{backlog}"
    keys = write_world(data, push={RECEIVER: "http://127.0.0.1:9/inbound"})
    svc = open_hub(data)
    tpl = template(svc, 1)
    loader = make_engine(svc.settings.database_url(), durable=False)
    fill(loader, svc, tpl, 2, backlog + 1, state="pending", reseal=True)  # + the template
    # An outage of hours, not weeks: no deadline has passed yet (the template's come from
    # an example dated 2024; an overdue backlog would first be swept by the overdue job).
    deadline = (datetime.now(UTC) + timedelta(days=30)).date()
    with loader.begin() as conn:
        conn.execute(text("UPDATE transfers SET deadline = :d"), {"d": deadline.isoformat()})
        conn.execute(text("UPDATE cases SET deadline = :d"), {"d": deadline.isoformat()})
    svc.close()
    engine = make_engine(f"sqlite:///{data / 'saphan.db'}", writer=False)
    if probe:
        claim_latency(engine, backlog)
    try:
        with receiving_agency(data, keys, log=work / f"receiver-{backlog}.log"):
            hub = start_hub(data)
            started = time.perf_counter()
            try:
                while True:
                    with engine.connect() as conn:
                        left = int(
                            conn.execute(
                                select(func.count()).where(TRANSFERS.c.state != "delivered")
                            ).scalar()
                            or 0
                        )
                    if not left or time.perf_counter() - started > cap:
                        break
                    time.sleep(0.2)
                seconds = time.perf_counter() - started
            finally:
                hub.stop()
    finally:
        engine.dispose()
        loader.dispose()
    return backlog - left, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k and 30k; backlog 10k, 15 s")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.count, args.start)
        return
    sizes = [10_000, 30_000] if args.quick else [10_000, 100_000, 1_000_000]
    count = 80 if args.quick else 1000
    backlog, small = (10_000, 1000) if args.quick else (100_000, 1000)
    cap = 15.0 if args.quick else 3600.0

    work = workdir("growth")
    try:
        growth(work, sizes, count)
        small_done, small_s = drain(work, small, cap, probe=False)
        done, seconds = drain(work, backlog, cap, probe=True)
        emit(
            "growth_drain_backlog",
            done / seconds,
            "transfers/s",
            peer=f"the same drain of a backlog of {small:,}",
            peer_value=small_done / small_s,
            backlog=backlog,
            delivered=done,
            complete=done == backlog,
            seconds=round(seconds, 1),
        )
    finally:
        remove(work)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
