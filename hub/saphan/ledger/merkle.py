"""RFC 9162 Merkle tree math over lists of leaf hashes, and the proof verifiers.

What it does: leaf and node hashing (leaf = SHA-256(0x00 ‖ entry), node =
SHA-256(0x01 ‖ left ‖ right)), the tree head of a list of leaf hashes, inclusion and
consistency proof generation (RFC 9162 §2.1.3.1 / §2.1.4.1) and their verification
(§2.1.3.2 / §2.1.4.2). Verifiers raise :class:`~saphan.errors.IntegrityError` saying what
does not hold; generators raise :class:`~saphan.errors.InputError` for impossible requests.

What it does not do: keep a tree. Generating proofs here costs O(n) hashing, which suits
tests, exports and auditors that hold every entry. A large persistent log uses
:mod:`saphan.ledger.nodes`, which answers the same questions from stored subtree hashes
in O(log n) lookups and shares the proof-shape functions below.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from saphan.errors import InputError, IntegrityError, Problem

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "consistency_proof",
    "consistency_ranges",
    "inclusion_proof",
    "inclusion_ranges",
    "leaf_hash",
    "node_hash",
    "root",
    "root_from_inclusion_proof",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
#: The tree head of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1).
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


def leaf_hash(entry: bytes) -> bytes:
    """The hash of one log entry as a leaf: SHA-256(0x00 ‖ entry)."""
    return _sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 ‖ left ‖ right)."""
    return _sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree head MTH(D[n]) over the given leaf hashes."""
    if not leaf_hashes:
        return EMPTY_ROOT
    level = list(leaf_hashes)
    while len(level) > 1:
        # Pairing level by level and carrying an odd last node up unchanged gives the same
        # head as the RFC's recursive split at the largest power of two.
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


# Proof shapes. Every element of an RFC 9162 proof is the tree head of a contiguous range of
# leaves [lo, hi); these functions name those ranges, leaf end first, so that a list of leaf
# hashes and a store of subtree hashes can each compute them in their own way.


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose heads form the inclusion proof of ``index`` in a tree of ``size``."""
    if not 0 <= index < size:
        raise InputError(
            "no inclusion proof for this leaf",
            [Problem("/leaf_index", f"leaf index {index} is not below the tree size {size}")],
        )
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The leaf ranges whose heads form the consistency proof from ``first`` to ``second``.

    Defined for 0 < first <= second; equal sizes need no hashes at all.
    """
    if not 0 < first <= second:
        raise InputError(
            "no consistency proof between these sizes",
            [Problem("/first", f"need 0 < first <= second, got first={first}, second={second}")],
        )
    ranges: list[tuple[int, int]] = []
    lo, hi, m = 0, second, first
    whole_old_tree = True  # the RFC's flag b: is [lo, lo + m) the whole first tree?
    while True:
        if m == hi - lo:
            if not whole_old_tree:
                ranges.append((lo, hi))
            break
        k = _split(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            m -= k
            whole_old_tree = False
    ranges.reverse()
    return ranges


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]) for the tree over all of ``leaf_hashes`` (O(n) hashing)."""
    return [root(leaf_hashes[lo:hi]) for lo, hi in inclusion_ranges(index, len(leaf_hashes))]


def consistency_proof(leaf_hashes: Sequence[bytes], first: int) -> list[bytes]:
    """PROOF(first, D[n]) from the tree of the first ``first`` leaves to the tree over all."""
    return [root(leaf_hashes[lo:hi]) for lo, hi in consistency_ranges(first, len(leaf_hashes))]


# Verification (RFC 9162 §2.1.3.2 and §2.1.4.2).


def _fail(message: str, path: str = "/hashes") -> IntegrityError:
    return IntegrityError(message, [Problem(path, message)])


def _check_hashes(proof: Sequence[bytes]) -> None:
    bad = [
        Problem(f"/hashes/{i}", f"a proof hash has {len(h)} bytes, not {HASH_SIZE}")
        for i, h in enumerate(proof)
        if len(h) != HASH_SIZE
    ]
    if bad:
        raise IntegrityError("the proof holds malformed hashes", bad)


def root_from_inclusion_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The tree head that ``proof`` leads to from ``leaf`` at ``index`` in a tree of ``size``."""
    if not 0 <= index < size:
        raise _fail(f"leaf index {index} is not below the tree size {size}", "/leaf_index")
    if len(leaf) != HASH_SIZE:
        raise _fail(f"the leaf hash has {len(leaf)} bytes, not {HASH_SIZE}", "/leaf_hash")
    _check_hashes(proof)
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            raise _fail("the inclusion proof has more hashes than the tree has levels")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise _fail("the inclusion proof has too few hashes for this tree size")
    return r


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes
) -> None:
    """Raise :class:`IntegrityError` unless ``proof`` shows ``leaf`` at ``index`` under the root."""
    if root_from_inclusion_proof(leaf, index, size, proof) != expected_root:
        raise _fail(
            f"leaf {index} is not included in the tree of size {size} with this root", "/root"
        )


def verify_consistency(
    first: int,
    second: int,
    proof: Sequence[bytes],
    first_root: bytes,
    second_root: bytes,
) -> None:
    """Raise :class:`IntegrityError` unless ``proof`` shows the tree of ``first`` leaves
    with ``first_root`` is a prefix of the tree of ``second`` leaves with ``second_root``.

    A proof from the empty tree is refused: every tree extends the empty one, so such a
    "proof" would carry no evidence and usually means a caller mixed up its sizes.
    """
    if first > second:
        raise _fail(f"the first size {first} is larger than the second {second}", "/first")
    if first == 0:
        raise _fail("a consistency proof from the empty tree proves nothing", "/first")
    if first == second:
        if proof:
            raise _fail("equal tree sizes need an empty consistency proof")
        if first_root != second_root:
            raise _fail(f"two different roots for the same tree size {first}", "/second_root")
        return
    if not proof:
        raise _fail("the consistency proof is empty")
    _check_hashes(proof)
    path = list(proof)
    if first & (first - 1) == 0:
        # The old tree is a complete subtree of the new one: its root starts the path.
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise _fail("the consistency proof has more hashes than the tree has levels")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise _fail("the consistency proof has too few hashes for these tree sizes")
    if fr != first_root:
        raise _fail(f"the proof does not lead to the root given for size {first}", "/first_root")
    if sr != second_root:
        raise _fail(f"the proof does not lead to the root given for size {second}", "/second_root")
