"""Merkle log benchmark: the stored-node path against bare hashing, at 1,000,000 entries.

Prints one JSON object per line: ``name``, ``value``, ``unit``, what it is compared with
(``floor``: the least work that computes the same thing; ``peer``: the other way the
project can compute it), ``peer_value`` and ``ratio`` (value / peer_value).

* ``merkle_root_1m_appends``: appending 1,000,000 leaf hashes in batches of 100 (a group
  commit) through the compact-range appender, which also yields every node to persist,
  then the root; floor: a plain hashlib loop computing the same root from the list.
* ``merkle_root_1m_from_store``: the same root read back from the stored nodes.
* ``merkle_inclusion_proof_1m`` / ``merkle_consistency_proof_1m``: one proof from the
  stored nodes (median); peer: the list path, which rehashes the leaves.

Run ``python bench/bench_merkle.py`` (medians of 5 runs) or ``--quick`` (one run).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from saphan.ledger import merkle
from saphan.ledger.nodes import (
    MemoryNodeStore,
    append_leaves,
    compact_range_root,
    consistency_proof_from,
    inclusion_proof_from,
    root_from,
)

SIZE = 1_000_000
BATCH = 100


def floor_root(leaves: list[bytes]) -> bytes:
    """The least work for a root: one SHA-256 per interior node, in a bare loop."""
    sha256 = hashlib.sha256
    level = leaves
    while len(level) > 1:
        paired = [
            sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)
        ]
        if len(level) & 1:
            paired.append(level[-1])
        level = paired
    return level[0]


def appended_root(leaves: list[bytes]) -> bytes:
    size: int = 0
    state: tuple[bytes, ...] = ()
    for start in range(0, len(leaves), BATCH):
        out = append_leaves(size, state, leaves[start : start + BATCH])
        size, state = out.size, out.compact_range
    return compact_range_root(state)


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    samples, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), result


def emit(name: str, value: float, unit: str, kind: str, against: str, other: float) -> None:
    line = {
        "name": name,
        "value": round(value, 6),
        "unit": unit,
        kind: against,
        "peer_value": round(other, 6),
        "ratio": float(f"{value / other:.4g}"),
    }
    print(json.dumps(line), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run each (under a minute)")
    args = parser.parse_args()
    runs = 1 if args.quick else 5
    proofs = 200 if args.quick else 2000

    leaves = [merkle.leaf_hash(i.to_bytes(8, "big")) for i in range(SIZE)]

    floor_s, floor_head = timed(lambda: floor_root(leaves), runs)
    append_s, head = timed(lambda: appended_root(leaves), runs)
    assert head == floor_head, "the appender and the floor disagree"
    emit("merkle_root_1m_appends", append_s, "s", "floor", "hashlib loop over the list", floor_s)

    out = append_leaves(0, (), leaves)
    store = MemoryNodeStore(out.nodes)
    read_s, stored_head = timed(lambda: root_from(store, SIZE), max(runs, 101))
    assert stored_head == floor_head
    emit(
        "merkle_root_1m_from_store",
        read_s * 1e6,
        "us",
        "floor",
        "hashlib loop over the list",
        floor_s * 1e6,
    )

    rng = random.Random(1)
    indexes = [rng.randrange(SIZE) for _ in range(proofs)]
    samples = []
    for index in indexes:
        started = time.perf_counter()
        proof = inclusion_proof_from(store, index, SIZE)
        samples.append(time.perf_counter() - started)
    merkle.verify_inclusion(leaves[indexes[-1]], indexes[-1], SIZE, proof, floor_head)
    list_s, list_proof = timed(lambda: merkle.inclusion_proof(leaves, indexes[-1]), min(runs, 3))
    assert list_proof == proof
    emit(
        "merkle_inclusion_proof_1m",
        statistics.median(samples) * 1e6,
        "us",
        "peer",
        "list path (rehash the leaves)",
        list_s * 1e6,
    )

    firsts = [rng.randrange(1, SIZE) for _ in range(proofs)]
    samples = []
    for first in firsts:
        started = time.perf_counter()
        consistency = consistency_proof_from(store, first, SIZE)
        samples.append(time.perf_counter() - started)
    list_s, list_consistency = timed(
        lambda: merkle.consistency_proof(leaves, firsts[-1]), min(runs, 3)
    )
    assert list_consistency == consistency
    emit(
        "merkle_consistency_proof_1m",
        statistics.median(samples) * 1e6,
        "us",
        "peer",
        "list path (rehash the leaves)",
        list_s * 1e6,
    )


if __name__ == "__main__":
    main()
