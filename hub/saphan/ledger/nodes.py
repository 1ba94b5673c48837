"""A large append-only Merkle tree kept as stored subtree hashes.

The store holds the hash of every *complete* subtree: node ``(level, index)`` is the tree
head of the 2**level leaves starting at leaf ``index * 2**level`` (level 0 holds the leaf
hashes themselves). Complete nodes never change once written, so a database can keep them
in an append-only table, and any tree head, inclusion proof or consistency proof for any
earlier size is a fold over O(log n) of them.

What it does:

* :func:`append_leaves` takes the current size and its *compact range* (the heads of the
  complete subtrees that cover [0, size), largest first) and returns the new complete nodes
  to persist plus the new compact range, from which the current root follows without any
  lookup (:func:`compact_range_root`);
* :func:`root_from`, :func:`inclusion_proof_from`, :func:`consistency_proof_from` answer
  from a :class:`NodeReader`; :func:`root_nodes`, :func:`inclusion_nodes` and
  :func:`consistency_nodes` name the nodes they will read, so a database reader can fetch
  them in one query first;
* :class:`MemoryNodeStore` is the dict-backed reader used by tests and benchmarks.

What it does not do: storage, locking or sequencing. The caller serialises appends (one
writer at a time holds the size and compact range) and must not ask for a size beyond what
it has persisted; a node the reader lacks is reported as an :class:`IntegrityError`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from saphan.errors import IntegrityError, Problem
from saphan.ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    consistency_ranges,
    inclusion_ranges,
    node_hash,
)

__all__ = [
    "Appended",
    "MemoryNodeStore",
    "Node",
    "NodeId",
    "NodeReader",
    "Plan",
    "append_leaves",
    "compact_range_from",
    "compact_range_root",
    "consistency_nodes",
    "consistency_plan",
    "consistency_proof_from",
    "decode_compact_range",
    "encode_compact_range",
    "inclusion_nodes",
    "inclusion_plan",
    "inclusion_proof_from",
    "plan_nodes",
    "proof_from_nodes",
    "proof_from_plan",
    "range_nodes",
    "root_from",
    "root_nodes",
]

#: ``(level, index)``: the complete subtree of 2**level leaves from leaf index * 2**level.
NodeId = tuple[int, int]


class NodeReader(Protocol):
    """Where complete subtree hashes are read from (a table, a dict, a tile server)."""

    def get(self, level: int, index: int) -> bytes:
        """The hash of node ``(level, index)``; raise ``LookupError`` when it is absent."""
        ...


#: ``(level, index, hash)``: a complete subtree hash to persist. A plain tuple on purpose:
#: appends create millions, and the garbage collector stops tracking plain tuples of ints
#: and bytes, while it keeps scanning named tuples and dataclass instances (3x slower).
Node = tuple[int, int, bytes]


@dataclass(frozen=True, slots=True)
class Appended:
    """The outcome of an append: what to persist and the state to keep for the next one."""

    size: int
    compact_range: tuple[bytes, ...]
    nodes: tuple[Node, ...]

    @property
    def root(self) -> bytes:
        return compact_range_root(self.compact_range)


def _corrupt(message: str, path: str = "/log") -> IntegrityError:
    return IntegrityError(message, [Problem(path, message)])


def _check_range(size: int, compact_range: Sequence[bytes]) -> None:
    if size < 0:
        raise _corrupt(f"a tree size cannot be negative ({size})", "/size")
    # One complete subtree per set bit of the size: that is what makes the range compact.
    if len(compact_range) != size.bit_count():
        raise _corrupt(
            f"a compact range for size {size} has {size.bit_count()} hashes, "
            f"not {len(compact_range)}",
            "/compact_range",
        )
    if any(len(h) != HASH_SIZE for h in compact_range):
        raise _corrupt("the compact range holds a hash that is not 32 bytes", "/compact_range")


def append_leaves(
    size: int, compact_range: Sequence[bytes], leaf_hashes: Iterable[bytes]
) -> Appended:
    """Append leaf hashes to a tree of ``size`` leaves whose compact range is given.

    Returns every node that became complete (each new leaf at level 0, and each interior
    node it completes) and the compact range of the grown tree.
    """
    _check_range(size, compact_range)
    stack = list(compact_range)
    nodes: list[Node] = []
    # Local names and the inlined node hash keep this loop, the hot path of every append,
    # within a small factor of bare hashing.
    keep, push, pop, sha256 = nodes.append, stack.append, stack.pop, hashlib.sha256
    for leaf in leaf_hashes:
        if len(leaf) != HASH_SIZE:
            raise _corrupt(f"leaf hash {size} has {len(leaf)} bytes, not {HASH_SIZE}", "/leaf")
        keep((0, size, leaf))
        current, level, index = leaf, 0, size
        # A node with an odd index is a right child: it completes its parent with the
        # left sibling, which is the last subtree of the compact range.
        while index & 1:
            current = sha256(b"\x01" + pop() + current).digest()
            level += 1
            index >>= 1
            keep((level, index, current))
        push(current)
        size += 1
    return Appended(size, tuple(stack), tuple(nodes))


def compact_range_root(compact_range: Sequence[bytes]) -> bytes:
    """The tree head from a compact range: fold the subtrees from the right."""
    if not compact_range:
        return EMPTY_ROOT
    result = compact_range[-1]
    for head in reversed(compact_range[:-1]):
        result = node_hash(head, result)
    return result


def encode_compact_range(compact_range: Sequence[bytes]) -> bytes:
    """The compact range as one byte string (32 bytes per subtree), for a state row."""
    return b"".join(compact_range)


def decode_compact_range(data: bytes, size: int) -> tuple[bytes, ...]:
    """Inverse of :func:`encode_compact_range`, checked against the tree size."""
    if len(data) != HASH_SIZE * size.bit_count():
        raise _corrupt(
            f"the stored compact range has {len(data)} bytes; size {size} needs "
            f"{HASH_SIZE * size.bit_count()}",
            "/compact_range",
        )
    return tuple(data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE))


def range_nodes(lo: int, hi: int) -> list[NodeId]:
    """The complete subtrees covering leaves [lo, hi), greedily from ``lo``.

    For the ranges an RFC 9162 proof uses, ``lo`` is aligned to the largest block, so the
    blocks come out largest first and their right fold is the range's tree head.
    """
    ids: list[NodeId] = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        if lo:
            level = min(level, (lo & -lo).bit_length() - 1)
        ids.append((level, lo >> level))
        lo += 1 << level
    return ids


def _read(reader: NodeReader, node: NodeId) -> bytes:
    try:
        value = reader.get(*node)
    except LookupError as exc:
        raise _corrupt(f"the log store lacks node (level {node[0]}, index {node[1]})") from exc
    if len(value) != HASH_SIZE:
        raise _corrupt(f"node (level {node[0]}, index {node[1]}) is not a 32-byte hash")
    return value


def _range_head(reader: NodeReader, lo: int, hi: int) -> bytes:
    heads = [_read(reader, node) for node in range_nodes(lo, hi)]
    return compact_range_root(heads)


#: The nodes of each element of a proof, in proof order: an element is the right fold of its
#: nodes' hashes (most elements are one node; only a range at the tree's right edge has more).
Plan = list[tuple[NodeId, ...]]


def inclusion_plan(index: int, size: int) -> Plan:
    """The nodes of each element of the inclusion proof of ``index`` in ``size`` leaves.

    The walk of :func:`saphan.ledger.merkle.inclusion_ranges` with each range named by its
    complete subtrees at once: a proof is asked for on every request, so this is computed
    once and shared by the database read and the fold.
    """
    if not 0 <= index < size:
        inclusion_ranges(index, size)  # raises the error that names the bad index
    plan: Plan = []
    lo, hi, edge = 0, size, True
    while hi - lo > 1:
        level = (hi - lo - 1).bit_length() - 1
        k = 1 << level
        if index < lo + k:
            # The right part: while [lo, hi) still ends at the tree's right edge it may be
            # incomplete; below the first left turn every range is one complete subtree.
            if edge and hi - lo - k != k:
                plan.append(tuple(range_nodes(lo + k, hi)))
            else:
                width = hi - lo - k
                sub = width.bit_length() - 1
                plan.append(((sub, (lo + k) >> sub),))
            edge = False
            hi = lo + k
        else:
            plan.append(((level, lo >> level),))
            lo += k
    plan.reverse()
    return plan


def consistency_plan(first: int, second: int) -> Plan:
    """The nodes of each element of the consistency proof from ``first`` to ``second``."""
    return [tuple(range_nodes(lo, hi)) for lo, hi in consistency_ranges(first, second)]


def plan_nodes(plan: Plan) -> list[NodeId]:
    """Every node a plan reads, in plan order (each once: a proof's ranges are disjoint)."""
    return [node for element in plan for node in element]


def proof_from_plan(reader: NodeReader, plan: Plan) -> list[bytes]:
    """The proof a plan names, from a :class:`NodeReader`."""
    proof: list[bytes] = []
    for element in plan:
        if len(element) == 1:
            proof.append(_read(reader, element[0]))
        else:
            proof.append(compact_range_root([_read(reader, node) for node in element]))
    return proof


def proof_from_nodes(nodes: Mapping[NodeId, bytes], plan: Plan) -> list[bytes]:
    """:func:`proof_from_plan` over nodes already fetched into a mapping.

    The common case (every node present and 32 bytes) takes one pass with no per-node call;
    anything else is answered by :func:`proof_from_plan`, which names the bad node.
    """
    try:
        heads = [[nodes[node] for node in element] for element in plan]
    except KeyError:
        heads = []
    if len(heads) != len(plan) or any(len(h) != HASH_SIZE for part in heads for h in part):
        return proof_from_plan(_MappingReader(nodes), plan)
    return [part[0] if len(part) == 1 else compact_range_root(part) for part in heads]


class _MappingReader:
    """A mapping of fetched nodes as a :class:`NodeReader`."""

    def __init__(self, nodes: Mapping[NodeId, bytes]) -> None:
        self._nodes = nodes

    def get(self, level: int, index: int) -> bytes:
        return self._nodes[(level, index)]


def root_nodes(size: int) -> list[NodeId]:
    """The nodes :func:`root_from` reads for a tree of ``size`` leaves."""
    return range_nodes(0, size)


def inclusion_nodes(index: int, size: int) -> list[NodeId]:
    """The nodes :func:`inclusion_proof_from` reads."""
    return plan_nodes(inclusion_plan(index, size))


def consistency_nodes(first: int, second: int) -> list[NodeId]:
    """The nodes :func:`consistency_proof_from` reads."""
    return plan_nodes(consistency_plan(first, second))


def root_from(reader: NodeReader, size: int) -> bytes:
    """The tree head at ``size`` (any size the store has reached)."""
    if size < 0:
        raise _corrupt(f"a tree size cannot be negative ({size})", "/size")
    return _range_head(reader, 0, size)


def compact_range_from(reader: NodeReader, size: int) -> tuple[bytes, ...]:
    """Rebuild the compact range of ``size`` from the store (to recover a lost state row)."""
    if size < 0:
        raise _corrupt(f"a tree size cannot be negative ({size})", "/size")
    return tuple(_read(reader, node) for node in root_nodes(size))


def inclusion_proof_from(reader: NodeReader, index: int, size: int) -> list[bytes]:
    """The RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
    return proof_from_plan(reader, inclusion_plan(index, size))


def consistency_proof_from(reader: NodeReader, first: int, second: int) -> list[bytes]:
    """The RFC 9162 consistency proof from the tree of ``first`` leaves to ``second``."""
    return proof_from_plan(reader, consistency_plan(first, second))


class MemoryNodeStore:
    """A dict of complete nodes: the test double of a persistent node table."""

    def __init__(self, nodes: Iterable[Node] = ()) -> None:
        self._nodes: dict[NodeId, bytes] = {}
        self.put(nodes)

    def put(self, nodes: Iterable[Node]) -> None:
        for level, index, value in nodes:
            self._nodes[(level, index)] = value

    def get(self, level: int, index: int) -> bytes:
        return self._nodes[(level, index)]

    def __len__(self) -> int:
        return len(self._nodes)
