"""The stored-node tree: appends, compact ranges, and proofs from a NodeReader."""

import random
import time
from collections.abc import Callable

import pytest

from saphan.errors import InputError, IntegrityError
from saphan.ledger import merkle
from saphan.ledger.nodes import (
    MemoryNodeStore,
    NodeId,
    NodeReader,
    append_leaves,
    compact_range_from,
    compact_range_root,
    consistency_nodes,
    consistency_plan,
    consistency_proof_from,
    decode_compact_range,
    encode_compact_range,
    inclusion_nodes,
    inclusion_plan,
    inclusion_proof_from,
    plan_nodes,
    range_nodes,
    root_from,
    root_nodes,
)


def _leaves(n: int, start: int = 0) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(8, "big")) for i in range(start, start + n)]


def test_appending_one_by_one_persists_every_complete_node_once() -> None:
    size = 0
    state: tuple[bytes, ...] = ()
    seen: list[NodeId] = []
    for leaf in _leaves(13):
        out = append_leaves(size, state, [leaf])
        size, state = out.size, out.compact_range
        seen.extend((level, index) for level, index, _ in out.nodes)
    # 13 leaves + 6 + 3 + 1 complete interior nodes (levels 1, 2, 3).
    assert sorted(seen) == sorted(
        [(0, i) for i in range(13)]
        + [(1, i) for i in range(6)]
        + [(2, i) for i in range(3)]
        + [(3, 0)]
    )
    assert len(state) == (13).bit_count()
    assert compact_range_root(state) == merkle.root(_leaves(13))


def test_the_root_after_each_append_is_the_list_root() -> None:
    leaves = _leaves(40)
    size = 0
    state: tuple[bytes, ...] = ()
    for n, leaf in enumerate(leaves, start=1):
        out = append_leaves(size, state, [leaf])
        size, state = out.size, out.compact_range
        assert out.root == merkle.root(leaves[:n])


def test_a_compact_range_that_does_not_fit_the_size_is_refused() -> None:
    state = append_leaves(0, (), _leaves(5)).compact_range
    with pytest.raises(IntegrityError, match="compact range"):
        append_leaves(7, state, _leaves(1))  # 7 needs three subtrees, 5 has two
    with pytest.raises(IntegrityError):
        append_leaves(5, state, [b"short"])


def test_compact_range_round_trips_through_bytes_and_can_be_rebuilt() -> None:
    out = append_leaves(0, (), _leaves(1000))
    store = MemoryNodeStore(out.nodes)
    assert decode_compact_range(encode_compact_range(out.compact_range), 1000) == (
        out.compact_range
    )
    assert compact_range_from(store, 1000) == out.compact_range
    with pytest.raises(IntegrityError):
        decode_compact_range(encode_compact_range(out.compact_range), 1001)


def test_proofs_for_earlier_sizes_come_from_the_same_store() -> None:
    leaves = _leaves(300)
    store = MemoryNodeStore(append_leaves(0, (), leaves).nodes)
    for size in (1, 2, 3, 7, 64, 65, 255, 300):
        assert root_from(store, size) == merkle.root(leaves[:size])
        index = size // 2
        assert inclusion_proof_from(store, index, size) == merkle.inclusion_proof(
            leaves[:size], index
        )
    assert consistency_proof_from(store, 100, 257) == merkle.consistency_proof(leaves[:257], 100)


def test_the_named_nodes_are_exactly_what_is_read() -> None:
    out = append_leaves(0, (), _leaves(1000))
    full = MemoryNodeStore(out.nodes)

    cases: list[tuple[list[NodeId], Callable[[NodeReader], list[bytes]]]] = [
        (inclusion_nodes(417, 1000), lambda s: inclusion_proof_from(s, 417, 1000)),
        (consistency_nodes(300, 999), lambda s: consistency_proof_from(s, 300, 999)),
        (root_nodes(999), lambda s: [root_from(s, 999)]),
    ]
    for names, answer in cases:
        prefetched = MemoryNodeStore((lv, ix, full.get(lv, ix)) for lv, ix in names)
        assert answer(prefetched) == answer(full)


def test_a_plan_names_the_subtrees_of_each_proof_range() -> None:
    # The plan is a shortcut through the RFC's walk; the ranges are the definition.
    for size in range(1, 300):
        for index in range(size):
            assert inclusion_plan(index, size) == [
                tuple(range_nodes(lo, hi)) for lo, hi in merkle.inclusion_ranges(index, size)
            ], (index, size)
        for first in range(1, size + 1):
            plan = consistency_plan(first, size)
            assert plan == [
                tuple(range_nodes(lo, hi)) for lo, hi in merkle.consistency_ranges(first, size)
            ]
            assert len(plan_nodes(plan)) == sum(map(len, plan))  # no node read twice


def test_every_proof_from_the_store_equals_the_list_proof() -> None:
    leaves = _leaves(130)
    store = MemoryNodeStore(append_leaves(0, (), leaves).nodes)
    for size in range(1, 131):
        for index in range(size):
            assert inclusion_proof_from(store, index, size) == merkle.inclusion_proof(
                leaves[:size], index
            )
        for first in range(1, size + 1):
            assert consistency_proof_from(store, first, size) == merkle.consistency_proof(
                leaves[:size], first
            )


def test_a_plan_refuses_an_index_outside_the_tree() -> None:
    for index, size in [(5, 5), (-1, 5), (0, 0)]:
        with pytest.raises(InputError, match="no inclusion proof"):
            inclusion_plan(index, size)


def test_a_missing_node_is_an_integrity_error_naming_it() -> None:
    out = append_leaves(0, (), _leaves(8))
    store = MemoryNodeStore(n for n in out.nodes if (n[0], n[1]) != (2, 1))
    with pytest.raises(IntegrityError, match="level 2, index 1"):
        inclusion_proof_from(store, 0, 8)


def test_inclusion_proof_at_a_million_entries_reads_few_nodes_and_is_fast() -> None:
    size = 1_000_000
    out = append_leaves(0, (), (merkle.leaf_hash(i.to_bytes(8, "big")) for i in range(size)))
    store = MemoryNodeStore(out.nodes)
    rng = random.Random(7)
    indexes = [rng.randrange(size) for _ in range(200)]
    started = time.perf_counter()
    proofs = [inclusion_proof_from(store, i, size) for i in indexes]
    per_proof_ms = (time.perf_counter() - started) * 1000 / len(indexes)
    # Timing is reported, not asserted (machines differ); correctness is asserted.
    print(f"inclusion proof at 1,000,000 entries: {per_proof_ms:.3f} ms")
    for i, proof in zip(indexes[:20], proofs, strict=False):
        merkle.verify_inclusion(store.get(0, i), i, size, proof, out.root)
    assert max(len(inclusion_nodes(i, size)) for i in indexes) <= 2 * size.bit_length()
