"""The transfer log against pymerkle's SQLite tree and against bare hashlib, at 100,000 entries.

Both logs hold the same 100,000 entries (RFC 6962 leaves: their roots are checked equal)
before anything is timed; they are filled with bulk inserts, then measured:

* ``log_vs_pymerkle_concurrent_append``: durable appends as a hub makes them, from 16
  writers at once (intakes arriving together), each waiting until its own entry is on
  disk. Saphan: ``saphan.store.log.append`` of the writer's entry through the hub's group
  committer (:mod:`saphan.store.group`: what arrived while the previous commit was on its
  way to disk, or while the group ran, shares the next commit). Peer: pymerkle ``SqliteTree.append_entry`` as
  shipped (rollback journal, ``synchronous=FULL``: its defaults, durable; its own lock
  serialises the writers, a commit each). Alternating rounds. Bar: 5x.
* ``log_vs_pymerkle_append``: durable appends of one entry per transaction, one writer,
  at that size. Saphan: ``saphan.store.log.append`` (entry, new subtree nodes and
  sequencer row in one transaction) through ``make_engine`` (WAL, ``synchronous=FULL``).
  Peer: pymerkle ``SqliteTree.append_entry`` as shipped. Both wait for one fsync per
  append: the floor (an fdatasync-ed file append) bounds either at a few times the
  other, so this line carries no bar.
* ``log_vs_pymerkle_wal_append``: the same with pymerkle's connection switched to the
  hub's settings (WAL, ``synchronous=FULL``): the same fsync per commit on both sides.
* ``log_vs_pymerkle_case_append``: a case's intake appends three entries atomically;
  Saphan does it in one transaction, pymerkle (one commit per entry) in three.
* ``log_vs_pymerkle_inclusion_proof``: one inclusion proof at 100,000 entries (median over
  random indexes). Saphan reads the ~17 stored nodes it needs with one SQL query; pymerkle
  computes subtree roots from its leaf table (with its LRU cache). Bar: 5x.
* ``log_vs_pymerkle_verify``: verifying that proof (each side's own verifier).
* ``log_append_vs_floor`` / ``log_proof_vs_floor`` / ``log_verify_vs_floor``: the
  physical floor with raw hashlib: a leaf hash plus an ``fsync``-ed append of the entry to
  a file; the same proof computed from the nodes held in a dict (no database); the
  proof's ~17 SHA-256 calls in a bare loop.

Run ``python bench/bench_pymerkle.py`` (1,000 timed appends, 2,000 proofs) or ``--quick``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sqlite3
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
from common import emit, remove, skipped, workdir

from saphan.ledger import merkle
from saphan.ledger.nodes import MemoryNodeStore, append_leaves, inclusion_proof_from
from saphan.store import log as transfer_log
from saphan.store.db import make_engine
from saphan.store.group import GroupCommitter
from saphan.store.migrate import upgrade

SIZE = 100_000
#: writers appending at once in the concurrent comparison (the load generator's in-flight)
WRITERS = 16
BUILD_BATCH = 1000


def entry(n: int) -> bytes:
    doc = {
        "v": 1,
        "kind": "status",
        "case": hashlib.sha256(b"%d" % n).hexdigest(),
        "time": "2025-01-06T01:00:00Z",
        "agency": "OMB",
        "status": "accepted",
    }
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)


def median_of(fn: Callable[[int], object], args: list[int]) -> float:
    samples = []
    for arg in args:
        started = time.perf_counter()
        fn(arg)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def rounds(
    contenders: dict[str, Callable[[int], object]], count: int, parts: int = 5
) -> dict[str, float]:
    """Seconds per call of each contender (calls 0..count-1), in alternating rounds."""
    size = max(1, count // parts)
    spent = dict.fromkeys(contenders, 0.0)
    for part in range(parts):
        for name, fn in contenders.items():
            started = time.perf_counter()
            for i in range(part * size, (part + 1) * size):
                fn(i)
            spent[name] += time.perf_counter() - started
    return {name: seconds / (size * parts) for name, seconds in spent.items()}


def writers_rounds(
    contenders: dict[str, Callable[[bytes], object]],
    items: list[bytes],
    writers: int,
    parts: int = 4,
) -> dict[str, float]:
    """Seconds per item of each contender when ``writers`` threads share the items (each
    call returns once its item is durable), in alternating rounds. Each contender gets
    its own items; every round gives each the same number."""
    per = len(items) // (len(contenders) * parts)
    spent = dict.fromkeys(contenders, 0.0)
    with ThreadPoolExecutor(writers) as pool:
        for part in range(parts):
            for k, (name, fn) in enumerate(contenders.items()):
                start = (part * len(contenders) + k) * per
                chunk = items[start : start + per]
                started = time.perf_counter()
                list(pool.map(fn, chunk))
                spent[name] += time.perf_counter() - started
    return {name: seconds / (per * parts) for name, seconds in spent.items()}


def microseconds(name: str, seconds: float, other: float, **compared: Any) -> None:
    """A line of time per operation (``seconds`` against ``other``, both medians) in
    microseconds, at the log's size."""
    emit(
        name,
        seconds * 1e6,
        "us",
        peer_value=other * 1e6,
        higher_is_better=False,
        entries=SIZE,
        **compared,
    )


def per_second(name: str, seconds: float, other: float, unit: str, **compared: Any) -> None:
    """A line of operations per second (from ``seconds`` and ``other`` per operation), at
    the log's size."""
    emit(name, 1 / seconds, unit, peer_value=1 / other, entries=SIZE, **compared)


def build_pymerkle(path: Path, entries: list[bytes], leaves: list[bytes]) -> None:
    """pymerkle's own table, filled in one transaction (its format: id from 1, entry, hash)."""
    from pymerkle import SqliteTree  # type: ignore[import-untyped]  # ships no type information

    SqliteTree(str(path)).close()  # creates the table and its append-only triggers
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO leaf(id, entry, hash) VALUES (?, ?, ?)",
            ((i + 1, e, h) for i, (e, h) in enumerate(zip(entries, leaves, strict=True))),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 appends, 200 proofs")
    args = parser.parse_args()
    appends, proofs = (200, 200) if args.quick else (1000, 2000)
    try:
        from pymerkle import SqliteTree, verify_inclusion
    except ImportError:
        skipped("log_vs_pymerkle_append", "pymerkle is not installed (pip install -e '.[bench]')")
        return

    work = workdir("pymerkle")
    try:
        entries = [entry(n) for n in range(SIZE)]
        leaves = [merkle.leaf_hash(e) for e in entries]
        started = time.perf_counter()
        url = f"sqlite:///{work / 'saphan.db'}"
        builder = make_engine(url, durable=False)
        upgrade(builder)
        for start in range(0, SIZE, BUILD_BATCH):
            with builder.begin() as conn:
                transfer_log.append(conn, entries[start : start + BUILD_BATCH])
        builder.dispose()
        build_pymerkle(work / "pymerkle.db", entries, leaves)
        build_s = round(time.perf_counter() - started, 1)

        engine = make_engine(url)
        tree = SqliteTree(str(work / "pymerkle.db"))
        with engine.connect() as conn:
            head = transfer_log.head(conn)
        assert head.size == tree.get_size() == SIZE
        assert head.root == tree.get_root(), "pymerkle and the hub disagree on the root"

        # Proofs and verification at 100,000 entries, before anything is appended.
        rng = random.Random(1)
        indexes = [rng.randrange(SIZE) for _ in range(proofs)]
        with engine.connect() as conn:
            ours = median_of(lambda i: transfer_log.inclusion_proof(conn, i, SIZE), indexes)
            proof = transfer_log.inclusion_proof(conn, indexes[0], SIZE)
        theirs = median_of(lambda i: tree.prove_inclusion(i + 1, SIZE), indexes)
        their_proof = tree.prove_inclusion(indexes[0] + 1, SIZE)
        store = MemoryNodeStore(append_leaves(0, (), leaves).nodes)
        floor = median_of(lambda i: inclusion_proof_from(store, i, SIZE), indexes)
        assert inclusion_proof_from(store, indexes[0], SIZE) == proof
        microseconds(
            "log_vs_pymerkle_inclusion_proof",
            ours,
            theirs,
            peer="pymerkle SqliteTree.prove_inclusion",
            bar=5,
            build_s=build_s,
        )
        microseconds(
            "log_proof_vs_floor",
            ours,
            floor,
            floor="the same proof from the nodes in a dict (hashlib, no database)",
        )

        leaf, index, root = leaves[indexes[0]], indexes[0], head.root
        ours = median_of(
            lambda _: merkle.verify_inclusion(leaf, index, SIZE, proof, root), [0] * proofs
        )
        theirs = median_of(lambda _: verify_inclusion(leaf, root, their_proof), [0] * proofs)
        microseconds("log_vs_pymerkle_verify", ours, theirs, peer="pymerkle verify_inclusion")
        sha256 = hashlib.sha256

        def bare_verify(_: int) -> bytes:
            value = leaf
            for sibling in proof:
                value = sha256(b"\x01" + value + sibling).digest()
            return value

        floor = median_of(bare_verify, [0] * proofs)
        microseconds(
            "log_verify_vs_floor", ours, floor, floor=f"{len(proof)} SHA-256 calls in a bare loop"
        )

        # Durable appends at 100,000 entries, in alternating rounds: how long an fsync
        # takes on a shared machine drifts by an order of magnitude within minutes.
        more = [entry(n) for n in range(SIZE, SIZE + 4 * appends)]
        fd = os.open(work / "floor.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

        # Concurrent writers first (pymerkle as shipped), then one writer.
        together = [entry(n) for n in range(SIZE + 4 * appends, SIZE + 4 * appends + 8 * appends)]
        group = GroupCommitter(engine)

        def saphan_one(e: bytes) -> None:
            group.run(lambda conn: transfer_log.append(conn, [e]))

        concurrent = writers_rounds(
            {"saphan": saphan_one, "pymerkle": tree.append_entry}, together, WRITERS
        )
        group.close()
        per_second(
            "log_vs_pymerkle_concurrent_append",
            concurrent["saphan"],
            concurrent["pymerkle"],
            "appends/s",
            peer=(
                f"pymerkle SqliteTree.append_entry from {WRITERS} writers "
                "(as shipped: rollback journal, FULL; a commit each)"
            ),
            bar=5,
            writers=WRITERS,
            commits=group.groups,
            appends=group.units,
        )

        def saphan_append(i: int) -> None:
            with engine.begin() as conn:
                transfer_log.append(conn, [more[i]])

        def floor_append(i: int) -> None:
            sha256(b"\x00" + more[i]).digest()
            os.write(fd, more[i] + b"\n")
            os.fdatasync(fd)

        single = rounds(
            {
                "saphan": saphan_append,
                "pymerkle": lambda i: tree.append_entry(more[i]),
                "floor": floor_append,
            },
            appends,
        )
        os.close(fd)
        per_second(
            "log_vs_pymerkle_append",
            single["saphan"],
            single["pymerkle"],
            "appends/s",
            peer="pymerkle SqliteTree.append_entry (as shipped: rollback journal, FULL)",
        )
        per_second(
            "log_append_vs_floor",
            single["saphan"],
            single["floor"],
            "appends/s",
            floor="leaf hash and an fdatasync-ed append of the entry to a file",
        )
        tree.con.execute("PRAGMA journal_mode=WAL")
        tree.con.execute("PRAGMA synchronous=FULL")
        later = more[appends:]

        def saphan_later(i: int) -> None:
            with engine.begin() as conn:
                transfer_log.append(conn, [later[i]])

        def saphan_case(i: int) -> None:
            with engine.begin() as conn:
                transfer_log.append(conn, later[appends + 3 * i : appends + 3 * i + 3])

        wal = rounds(
            {
                "saphan": saphan_later,
                "pymerkle": lambda i: tree.append_entry(later[i]),
                "saphan_case": saphan_case,
                "pymerkle_case": lambda i: tree.append_entries(
                    later[appends + 3 * i : appends + 3 * i + 3]
                ),
            },
            appends // 2,
        )
        per_second(
            "log_vs_pymerkle_wal_append",
            wal["saphan"],
            wal["pymerkle"],
            "appends/s",
            peer="pymerkle SqliteTree.append_entry (WAL, synchronous=FULL)",
        )
        per_second(
            "log_vs_pymerkle_case_append",
            wal["saphan_case"],
            wal["pymerkle_case"],
            "cases/s",
            peer="pymerkle append_entries of the 3 entries (WAL, FULL; a commit each)",
        )
        tree.close()
        engine.dispose()
    finally:
        remove(work)


if __name__ == "__main__":
    main()
