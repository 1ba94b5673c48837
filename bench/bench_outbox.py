"""The durable outbox against the queue libraries a team would otherwise pick.

Every contender enqueues jobs of the same payload (3,000 bytes), one job per transaction
(as each arrives), then claims and acknowledges them all, at the same durability: a job
is on disk when ``put`` returns and its acknowledgement is on disk when ``ack`` returns.

* ``saphan`` (:mod:`saphan.store.claims`): a transfer row inserted per job; claims of up
  to 16 (``claims.claim``, the push worker's batch) in one transaction, their
  acknowledgements (``claims.mark_delivered``) in one more, as the worker records a
  round. SQLite through ``make_engine`` (WAL, ``synchronous=FULL``, ``BEGIN IMMEDIATE``);
  PostgreSQL with its defaults (``synchronous_commit=on``).
* ``persist-queue`` ``SQLiteAckQueue`` (WAL): ``PRAGMA synchronous=FULL`` is set on its
  connection and read back before the run; put, get and ack are each one commit.
* ``huey`` ``SqliteHuey(fsync=True, journal_mode="wal")`` (``synchronous=FULL``),
  results off: ``enqueue``, then ``dequeue`` + ``execute``. huey deletes a task when it is
  dequeued (at most once: no acknowledgement to make durable), so it does less than an
  outbox must.
* ``procrastinate`` (PostgreSQL, psycopg): ``defer_async`` per job; its worker
  (``run_worker_async(wait=False)``) fetches one job per transaction and records each
  outcome in another.
* ``pgqueuer`` (PostgreSQL, psycopg, autocommit): ``enqueue`` per job; its
  ``QueueManager`` dequeues 16 at a time and records completions in buffered batches.

The figure is whole jobs per second: one over (enqueue time + claim-and-ack time) per
job. The three SQLite contenders run in alternating rounds of 96 jobs each (all puts,
then all claims and acks), so that the drift of the disk's fsync latency, which on a
shared machine changes tenfold within minutes, touches them alike; the PostgreSQL ones run
one after another (the peers' workers drain whatever is queued, so they cannot take
turns). Each phase is bounded in time (3.5 s with ``--quick``, 300 s otherwise); when the
bound cuts a phase short, the rate is over the jobs done (``jobs`` says how many). Lines:
``outbox_sqlite_vs_<peer>`` and ``outbox_postgresql_vs_<peer>``. Run
``python bench/bench_outbox.py`` (10,000 jobs) or ``--quick`` (2,000).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import functools
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar

from common import emit, fresh_pg_database, pg_available, remove, skipped, workdir
from sqlalchemy import Engine, insert

from saphan.engine.cases import INSERT_TRANSFER
from saphan.store import claims
from saphan.store.db import make_engine
from saphan.store.migrate import upgrade
from saphan.store.tables import CaseRow, TransferRow

PAYLOAD = 3000
BATCH = 16
CHUNK = 96  # jobs per contender per round
CASES = CaseRow.__table__  # type: ignore[attr-defined]
TRANSFERS = TransferRow.__table__  # type: ignore[attr-defined]
NOW = datetime(2025, 1, 6, 1, 0, tzinfo=UTC)
T = TypeVar("T")


@dataclass
class Phases:
    enqueued: int
    enqueue_s: float
    consumed: int
    consume_s: float

    @property
    def per_s(self) -> float:
        per_job = self.enqueue_s / self.enqueued + self.consume_s / self.consumed
        return 1 / per_job

    def extra(self) -> dict[str, Any]:
        return {
            "jobs": self.consumed,
            "enqueue_per_s": round(self.enqueued / self.enqueue_s, 1),
            "claim_ack_per_s": round(self.consumed / self.consume_s, 1),
        }


class Contender(Protocol):
    def put(self, i: int) -> None: ...

    def take(self, count: int) -> int: ...

    def close(self) -> None: ...


def alternating(
    contenders: dict[str, Callable[[], Contender]], n: int, cap: float
) -> dict[str, Phases | str]:
    """Enqueue, then claim and acknowledge, in rounds of ``CHUNK`` jobs per contender in
    turn: all see the same drift of the machine's fsync latency. Each phase stops after
    the round that passes ``cap`` seconds (every contender has then done as many jobs)."""
    ready: dict[str, Contender] = {}
    out: dict[str, Phases | str] = {}
    for name, make in contenders.items():
        made = attempt(make)
        if isinstance(made, str):
            out[name] = made
        else:
            ready[name] = made
    put_s = dict.fromkeys(ready, 0.0)
    take_s = dict.fromkeys(ready, 0.0)
    enqueued = 0
    started = time.perf_counter()
    while enqueued < n and time.perf_counter() - started < cap:
        chunk = range(enqueued, min(n, enqueued + CHUNK))
        for name, contender in ready.items():
            begun = time.perf_counter()
            for i in chunk:
                contender.put(i)
            put_s[name] += time.perf_counter() - begun
        enqueued = chunk.stop
    consumed = 0
    started = time.perf_counter()
    while consumed < enqueued and time.perf_counter() - started < cap:
        count = min(CHUNK, enqueued - consumed)
        for name, contender in ready.items():
            begun = time.perf_counter()
            assert contender.take(count) == count, name
            take_s[name] += time.perf_counter() - begun
        consumed += count
    for name, contender in ready.items():
        contender.close()
        out[name] = Phases(enqueued, put_s[name], consumed, take_s[name])
    return out


# Saphan's outbox.


class Saphan:
    def __init__(self, url: str, payloads: list[bytes]) -> None:
        self.engine: Engine = make_engine(url)
        self.payloads = payloads
        upgrade(self.engine)
        with self.engine.begin() as conn:
            conn.execute(
                insert(CASES).values(
                    id="bench-case",
                    created_at=NOW,
                    origin_system="1111",
                    origin_ref="1",
                    sender="PSC",
                    source_format="pmo1111",
                    status="received",
                    status_at=NOW,
                    salt=b"s" * 16,
                )
            )

    def put(self, i: int) -> None:
        # the statement the hub's intake queues a transfer with (engine.transfers.create)
        with self.engine.begin() as conn:
            INSERT_TRANSFER.run(
                conn,
                {
                    "id": f"t{i:08d}",
                    "case_id": "bench-case",
                    "kind": "forward",
                    "from_agency": "PSC",
                    "to_agency": "DOL",
                    "format": "pmo1111",
                    "mode": "push",
                    "rule": None,
                    "created_at": NOW,
                    "deadline": None,
                    "sealed_payload": self.payloads[i],
                    "payload_sha256": "0" * 64,
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": NOW,
                },
            )

    def take(self, count: int) -> int:
        """Claim and acknowledge ``count`` jobs as the push worker does: claims of up to
        16 in one transaction, their outcomes in one more."""
        now = NOW + timedelta(seconds=1)
        done = 0
        while done < count:
            with self.engine.begin() as conn:
                got = claims.claim(
                    conn,
                    worker="w",
                    now=now,
                    lease=timedelta(seconds=30),
                    limit=min(BATCH, count - done),
                )
            if not got:
                break
            with self.engine.begin() as conn:
                for job in got:
                    assert claims.mark_delivered(conn, job.id, worker="w", now=now, receipt="r")
            done += len(got)
        return done

    def close(self) -> None:
        self.engine.dispose()


def run_alone(contender: Contender, n: int, cap: float) -> Phases:
    """One contender by itself: all its puts, then all its claims and acks."""
    started = time.perf_counter()
    enqueued = 0
    while enqueued < n and time.perf_counter() - started < cap:
        contender.put(enqueued)
        enqueued += 1
    enqueue_s = time.perf_counter() - started
    started = time.perf_counter()
    consumed = 0
    while consumed < enqueued and time.perf_counter() - started < cap:
        consumed += contender.take(min(CHUNK, enqueued - consumed))
    consume_s = time.perf_counter() - started
    contender.close()
    return Phases(enqueued, enqueue_s, consumed, consume_s)


# Peers on SQLite.


class PersistQueue:
    def __init__(self, folder: Path, payloads: list[bytes]) -> None:
        from persistqueue import SQLiteAckQueue

        self.payloads = payloads
        self.queue = SQLiteAckQueue(str(folder), auto_commit=True, multithreading=False)
        # The library opens its connection in WAL mode and leaves synchronous at SQLite's
        # default; it is set to FULL on that very connection (put and get share it) and
        # read back, so a put is on disk when it returns, as the hub's commits are.
        conn = self.queue._putter
        assert conn is not None and self.queue._getter is conn
        conn.execute("PRAGMA synchronous=FULL")
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2

    def put(self, i: int) -> None:
        self.queue.put(self.payloads[i])

    def take(self, count: int) -> int:
        for _ in range(count):
            item = self.queue.get(block=False)
            self.queue.ack(item)
        return count

    def close(self) -> None:
        self.queue.close()


class Huey:
    def __init__(self, folder: Path, payloads: list[bytes]) -> None:
        from huey import SqliteHuey  # type: ignore[import-untyped]  # ships no type information

        self.payloads = payloads
        self.huey = SqliteHuey(
            filename=str(folder / "huey.db"), fsync=True, journal_mode="wal", results=False
        )

        @self.huey.task()  # type: ignore[untyped-decorator]
        def job(payload: bytes) -> None:
            return None

        self.job = job

    def put(self, i: int) -> None:
        self.job(self.payloads[i])

    def take(self, count: int) -> int:
        for _ in range(count):
            task = self.huey.dequeue()
            assert task is not None
            self.huey.execute(task)
        return count

    def close(self) -> None:
        self.huey.storage.close()


# Peers on PostgreSQL.


def procrastinate_pg(url: str, n: int, cap: float, texts: list[str]) -> Phases:
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))
    done: list[int] = []

    @app.task(queue="bench", name="bench_job")
    async def job(payload: str) -> None:
        done.append(len(payload))

    async def main() -> Phases:
        async with app.open_async():
            await app.schema_manager.apply_schema_async()
            started = time.perf_counter()
            enqueued = 0
            while enqueued < n and time.perf_counter() - started < cap:
                await job.defer_async(payload=texts[enqueued])
                enqueued += 1
            enqueue_s = time.perf_counter() - started
            started = time.perf_counter()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    app.run_worker_async(
                        queues=["bench"], wait=False, concurrency=1, install_signal_handlers=False
                    ),
                    timeout=cap,
                )
            return Phases(enqueued, enqueue_s, len(done), time.perf_counter() - started)

    return asyncio.run(main())


def pgqueuer_pg(url: str, n: int, cap: float, payloads: list[bytes]) -> Phases:
    import psycopg
    from pgqueuer import QueueManager
    from pgqueuer.queries import Queries
    from pgqueuer.types import QueueExecutionMode

    async def main() -> Phases:
        conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
        queries = Queries.from_psycopg_connection(conn)
        await queries.install()
        started = time.perf_counter()
        enqueued = 0
        while enqueued < n and time.perf_counter() - started < cap:
            await queries.enqueue("bench_job", payloads[enqueued])
            enqueued += 1
        enqueue_s = time.perf_counter() - started
        worker_conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
        manager = QueueManager(Queries.from_psycopg_connection(worker_conn))
        done: list[int] = []

        @manager.entrypoint("bench_job")
        async def job(item: Any) -> None:
            done.append(len(item.payload or b""))

        started = time.perf_counter()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                manager.run(batch_size=BATCH, mode=QueueExecutionMode.drain), timeout=cap
            )
        consume_s = time.perf_counter() - started
        await worker_conn.close()
        await conn.close()
        return Phases(enqueued, enqueue_s, len(done), consume_s)

    return asyncio.run(main())


def compare(db: str, ours: Phases, peer: str, theirs: Phases | str, how: str) -> None:
    name = f"outbox_{db}_vs_{peer.split()[0]}"
    if isinstance(theirs, str):
        skipped(name, theirs, peer=peer)
        return
    emit(
        name,
        ours.per_s,
        "jobs/s",
        peer=f"{peer} ({how})",
        peer_value=theirs.per_s,
        payload_bytes=PAYLOAD,
        **ours.extra(),
        peer_extra=theirs.extra(),
    )


def attempt(fn: Callable[[], T]) -> T | str:
    try:
        return fn()
    except ImportError as exc:
        return f"not installed: {exc.name} (pip install -e '.[bench]')"
    except Exception as exc:  # noqa: BLE001 - a peer that cannot run is reported, not fatal
        return f"{type(exc).__name__}: {exc}"[:300]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 jobs, 3.5 s per phase")
    args = parser.parse_args()
    n, cap = (2000, 3.5) if args.quick else (10_000, 300.0)
    payloads = [os.urandom(PAYLOAD) for _ in range(n)]
    texts = [base64.b64encode(p[: PAYLOAD * 3 // 4]).decode() for p in payloads]

    work = workdir("outbox")
    try:
        sqlite = alternating(
            {
                "saphan": lambda: Saphan(f"sqlite:///{work / 'saphan.db'}", payloads),
                "persist-queue": lambda: PersistQueue(work / "pq", payloads),
                "huey": lambda: Huey(work, payloads),
            },
            n,
            cap,
        )
        ours = sqlite["saphan"]
        assert isinstance(ours, Phases), ours
        compare(
            "sqlite",
            ours,
            "persist-queue SQLiteAckQueue",
            sqlite["persist-queue"],
            "WAL, synchronous=FULL, put/get/ack one commit each",
        )
        compare(
            "sqlite",
            ours,
            "huey SqliteHuey",
            sqlite["huey"],
            "WAL, fsync=True; at most once: no ack",
        )
        # Each peer by its name: its run on a database given to it, and its settings.
        pg_peers: dict[str, tuple[Callable[[str], Phases], str]] = {
            "procrastinate": (
                lambda url: procrastinate_pg(url, n, cap, texts),
                "psycopg, synchronous_commit=on, one job per fetch",
            ),
            "pgqueuer": (
                lambda url: pgqueuer_pg(url, n, cap, payloads),
                "psycopg autocommit, synchronous_commit=on, batches of 16",
            ),
        }
        if not pg_available():
            for peer in pg_peers:
                skipped(f"outbox_postgresql_vs_{peer}", "PostgreSQL is not reachable", peer=peer)
            return
        with fresh_pg_database() as url:
            ours = run_alone(Saphan(url, payloads), n, cap)
        for peer, (run_peer, how) in pg_peers.items():
            with fresh_pg_database() as url:
                theirs = attempt(functools.partial(run_peer, url))
            compare("postgresql", ours, peer, theirs, how)
    finally:
        remove(work)


if __name__ == "__main__":
    main()
