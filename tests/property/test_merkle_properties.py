"""The stored-node path and the plain list path are two computations of one tree.

For random trees built by appends in random batches: roots, inclusion proofs and
consistency proofs from the NodeReader equal those from the list of leaves, and every
proof verifies; a proof altered in any byte does not.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from saphan.errors import IntegrityError
from saphan.ledger import merkle
from saphan.ledger.nodes import (
    MemoryNodeStore,
    append_leaves,
    compact_range_from,
    consistency_proof_from,
    inclusion_proof_from,
    root_from,
)


@st.composite
def grown_trees(draw: st.DrawFn) -> tuple[list[bytes], MemoryNodeStore, list[int]]:
    """Leaves, the store filled by batched appends, and the sizes after each batch."""
    size = draw(st.integers(min_value=1, max_value=300))
    leaves = [
        merkle.leaf_hash(draw(st.binary(max_size=4)) + i.to_bytes(2, "big")) for i in range(size)
    ]
    store = MemoryNodeStore()
    n, sizes = 0, []
    state: tuple[bytes, ...] = ()
    while n < size:
        batch = draw(st.integers(min_value=1, max_value=size - n))
        out = append_leaves(n, state, leaves[n : n + batch])
        store.put(out.nodes)
        n, state = out.size, out.compact_range
        assert out.root == merkle.root(leaves[:n])
        sizes.append(n)
    return leaves, store, sizes


@settings(max_examples=150, deadline=None)
@given(grown_trees(), st.data())
def test_node_path_equals_list_path(
    tree: tuple[list[bytes], MemoryNodeStore, list[int]], data: st.DataObject
) -> None:
    leaves, store, sizes = tree
    # Sizes where a batch ended are the states a real log passes through; others are
    # earlier sizes auditors ask about.
    size = data.draw(
        st.sampled_from(sizes) | st.integers(min_value=1, max_value=len(leaves)), label="size"
    )
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    first = data.draw(st.integers(min_value=1, max_value=size), label="first")

    head = merkle.root(leaves[:size])
    assert root_from(store, size) == head
    assert compact_range_from(store, size) == tuple(
        store.get(level, i) for level, i in _blocks(size)
    )

    proof = inclusion_proof_from(store, index, size)
    assert proof == merkle.inclusion_proof(leaves[:size], index)
    merkle.verify_inclusion(leaves[index], index, size, proof, head)

    consistency = consistency_proof_from(store, first, size)
    assert consistency == merkle.consistency_proof(leaves[:size], first)
    merkle.verify_consistency(first, size, consistency, merkle.root(leaves[:first]), head)


def _blocks(size: int) -> list[tuple[int, int]]:
    """The complete subtrees of [0, size), largest first, by the bits of size."""
    out, start = [], 0
    for level in reversed(range(size.bit_length())):
        if size >> level & 1:
            out.append((level, start >> level))
            start += 1 << level
    return out


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=2, max_value=200), st.data())
def test_any_altered_proof_byte_is_caught(size: int, data: st.DataObject) -> None:
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    head = merkle.root(leaves)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = merkle.inclusion_proof(leaves, index)
    first = data.draw(st.integers(min_value=1, max_value=size - 1))
    consistency = merkle.consistency_proof(leaves, first)
    old = merkle.root(leaves[:first])

    if proof:
        k = data.draw(st.integers(min_value=0, max_value=len(proof) * 32 - 1))
        bad = [bytearray(h) for h in proof]
        bad[k // 32][k % 32] ^= 0x01
        try:
            merkle.verify_inclusion(leaves[index], index, size, [bytes(h) for h in bad], head)
        except IntegrityError:
            pass
        else:
            raise AssertionError("an altered inclusion proof verified")

    k = data.draw(st.integers(min_value=0, max_value=len(consistency) * 32 - 1))
    bad = [bytearray(h) for h in consistency]
    bad[k // 32][k % 32] ^= 0x80
    try:
        merkle.verify_consistency(first, size, [bytes(h) for h in bad], old, head)
    except IntegrityError:
        pass
    else:
        raise AssertionError("an altered consistency proof verified")
